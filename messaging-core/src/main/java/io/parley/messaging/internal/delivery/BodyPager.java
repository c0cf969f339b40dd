package io.parley.messaging.internal.delivery;

/**
 * Which message bodies of an outbound stream stay in memory. Every slot up to {@link #loadedTo()} holds its body
 * (or is settled); above it, a slot holds only the caller's future and the body waits in the store. With a durable
 * store a new message keeps its body while the first two windows are not full, and beyond them while fewer than the
 * stream's body limit are held and their payloads come to less than {@link #BODY_BYTES_IN_MEMORY}, in both cases only
 * if its bytes fit in the node's {@link BodyBudget} (a pager holding no body takes one anyway); the rest are read back
 * from the store, a window at a time, well before the wire needs them, as far as the budget allows. So a peer that
 * is down for long costs the store, not the heap. With a store that is not durable every body stays: its send took
 * its bytes from the budget already, and the pager holds them from then on.
 *
 * <p>Owned by the stream's home loop.
 */
final class BodyPager {

    /** Payload bytes of the bodies a stream holds beyond its first two windows, with a durable store. */
    static final long BODY_BYTES_IN_MEMORY = 8L * 1024 * 1024;

    private final int window;
    private final int bodiesInMemory;
    private final BodyBudget budget;
    private final boolean takenAtSend;
    private long loadedTo;
    private long bodyBytes;
    private boolean loading;
    /** The size of the body a read brought back that did not fit the budget; 0 once one fits. */
    private long neededRoom;

    /**
     * @param bodiesInMemory most bodies held, from the oldest unsettled message (at least two windows; with a store
     *     that is not durable, all of them, as the store keeps them in the heap anyway)
     * @param budget the node's bound on body bytes in memory
     * @param takenAtSend whether each send took its bytes from the budget already (a store that is not durable):
     *     then every body is kept
     */
    BodyPager(int window, int bodiesInMemory, BodyBudget budget, boolean takenAtSend) {
        this.window = window;
        this.bodiesInMemory = Math.max(2 * window, bodiesInMemory);
        this.budget = budget;
        this.takenAtSend = takenAtSend;
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
        budget.give(bodyBytes);
        bodyBytes = 0;
        loading = false;
    }

    /**
     * Whether the new message {@code seq}, appended above {@code floor}, keeps its body of {@code payloadBytes} in
     * memory; if so it is counted.
     */
    boolean keep(long seq, long floor, int payloadBytes) {
        long held = loadedTo - floor;
        boolean keep = loadedTo == seq - 1 && (takenAtSend
                || ((held < 2L * window || (held < bodiesInMemory && bodyBytes < BODY_BYTES_IN_MEMORY)) && fits(payloadBytes)));
        if (keep) {
            loadedTo = seq;
            bodyBytes += payloadBytes;
        } else if (takenAtSend) {
            budget.give(payloadBytes); // read back from the store when due, and taken again then
        }
        return keep;
    }

    /**
     * Whether a body of {@code payloadBytes} read back from the store may stay in memory; if so it is counted.
     * Always with a store that is not durable (its bodies are in the heap anyway) or when this pager holds no body.
     */
    boolean admitLoaded(int payloadBytes) {
        if (takenAtSend) {
            budget.take(payloadBytes);
        } else if (!fits(payloadBytes)) {
            neededRoom = payloadBytes; // no read again until the budget has room for it
            return false;
        }
        neededRoom = 0;
        bodyBytes += payloadBytes;
        return true;
    }

    /** Takes {@code payloadBytes} from the budget if they fit, or anyway if this pager holds no body. */
    private boolean fits(int payloadBytes) {
        if (bodyBytes == 0) {
            budget.take(payloadBytes);
            return true;
        }
        return budget.tryTake(payloadBytes);
    }

    /** A body of {@code payloadBytes} left memory: its message was settled. */
    void dropped(int payloadBytes) {
        bodyBytes -= payloadBytes;
        budget.give(payloadBytes);
    }

    /** Every slot up to {@code floor} is settled. */
    void settledTo(long floor) {
        loadedTo = Math.max(loadedTo, floor);
    }

    /**
     * Whether to ask the store for the next window of bodies now, with {@code sentTo} the last sequence sent and
     * {@code top} the highest stored: when fewer than a window are ready to send, or fewer than half the limit while
     * their bytes are under half theirs, and the node's budget has room (for the body the last read could not keep,
     * if it could not), or this pager holds no body. Marks a read in flight if so; one at a time. Without that room a
     * read would bring back the same bodies again and again, and keep none.
     */
    boolean shouldLoad(long sentTo, long floor, long top) {
        long ready = loadedTo - Math.max(sentTo, floor);
        if (!loading && loadedTo < top && (bodyBytes == 0 || budget.room() >= Math.max(1, neededRoom))
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
        budget.give(bodyBytes);
        bodyBytes = 0;
    }
}
