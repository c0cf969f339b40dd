package io.parley.messaging.internal.delivery;

/**
 * Which message bodies of an outbound stream stay in memory. Every slot up to {@link #loadedTo()} holds its body
 * (or is settled); above it, a slot holds only the caller's future and the body waits in the store. A new
 * message keeps its body while the first two windows are not full, and beyond them while fewer than the stream's
 * body limit are held and their payloads come to less than {@link #BODY_BYTES_IN_MEMORY}; the rest are read back
 * from the store, a window at a time, well before the wire needs them. So a peer that is down for long costs the
 * store, not the heap.
 *
 * <p>Owned by the stream's home loop.
 */
final class BodyPager {

    /** Payload bytes of the bodies a stream holds beyond its first two windows, with a durable store. */
    static final long BODY_BYTES_IN_MEMORY = 8L * 1024 * 1024;

    private final int window;
    private final int bodiesInMemory;
    private long loadedTo;
    private long bodyBytes;
    private boolean loading;

    /**
     * @param bodiesInMemory most bodies held, from the oldest unsettled message (at least two windows; with a store
     *     that is not durable, all of them, as the store keeps them in the heap anyway)
     */
    BodyPager(int window, int bodiesInMemory) {
        this.window = window;
        this.bodiesInMemory = Math.max(2 * window, bodiesInMemory);
    }

    /** Every slot up to this sequence holds its body or is settled. */
    long loadedTo() {
        return loadedTo;
    }

    /** Payload bytes of the bodies held. */
    long bodyBytes() {
        return bodyBytes;
    }

    /** Starts over at {@code floor}, every body above it in the store: a stream taken up after a restart. */
    void restart(long floor) {
        loadedTo = floor;
        bodyBytes = 0;
        loading = false;
    }

    /**
     * Whether the new message {@code seq}, appended above {@code floor}, keeps its body of {@code payloadBytes} in
     * memory; if so it is counted.
     */
    boolean keep(long seq, long floor, int payloadBytes) {
        long held = loadedTo - floor;
        boolean keep = loadedTo == seq - 1
                && (held < 2L * window || (held < bodiesInMemory && bodyBytes < BODY_BYTES_IN_MEMORY));
        if (keep) {
            loadedTo = seq;
            bodyBytes += payloadBytes;
        }
        return keep;
    }

    /** A body of {@code payloadBytes} was loaded back from the store. */
    void loaded(int payloadBytes) {
        bodyBytes += payloadBytes;
    }

    /** A body of {@code payloadBytes} left memory: its message was settled. */
    void dropped(int payloadBytes) {
        bodyBytes -= payloadBytes;
    }

    /** Every slot up to {@code floor} is settled. */
    void settledTo(long floor) {
        loadedTo = Math.max(loadedTo, floor);
    }

    /**
     * Whether to ask the store for the next window of bodies now, with {@code sentTo} the last sequence sent and
     * {@code top} the highest stored: when fewer than a window are ready to send, or fewer than half the limit while
     * their bytes are under half theirs. Marks a read in flight if so; one at a time.
     */
    boolean shouldLoad(long sentTo, long floor, long top) {
        long ready = loadedTo - Math.max(sentTo, floor);
        if (!loading && loadedTo < top
                && (ready < window || (ready < bodiesInMemory / 2 && bodyBytes < BODY_BYTES_IN_MEMORY / 2))) {
            loading = true;
            return true;
        }
        return false;
    }

    /** The read in flight came back; every slot up to {@code upTo} holds its body or is settled now. */
    void loadedUpTo(long upTo) {
        loading = false;
        loadedTo = Math.max(loadedTo, upTo);
    }

    /** A read came back after the stream closed, or empty: nothing changes but that it is over. */
    void loadAbandoned() {
        loading = false;
    }

    /** Everything was dropped: the stream closed. */
    void clear() {
        bodyBytes = 0;
    }
}
