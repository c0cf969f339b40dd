package io.parley.messaging.internal.delivery;

import java.util.Arrays;

/**
 * One slot per sequence number in {@code (floor, top]}: a growable ring of references indexed by sequence. A null slot is settled; the floor moves up over leading nulls. Costs 4 to 8 bytes per sequence
 * number, which is what lets a link keep millions of unacknowledged messages whose bodies are in the store.
 * Not thread-safe.
 */
final class SlotRing<S> {

    private static final int MIN_CAPACITY = 64;

    private Object[] slots = new Object[MIN_CAPACITY];
    private long floor;
    private long top;
    private int live;

    /** Starts empty with {@code floor == top == start}: the next sequence appended is {@code start + 1}. */
    SlotRing(long start) {
        this.floor = start;
        this.top = start;
    }

    /** Every sequence up to this one is settled. */
    long floor() {
        return floor;
    }

    /** The highest sequence appended. */
    long top() {
        return top;
    }

    /** Slots that are not null. */
    int live() {
        return live;
    }

    /** Whether {@code seq} lies in {@code (floor, top]}. */
    boolean contains(long seq) {
        return seq > floor && seq <= top;
    }

    /** Appends {@code value} (not null) as sequence {@code top + 1}. */
    void append(S value) {
        if (top - floor == slots.length) {
            resize(slots.length * 2);
        }
        top++;
        slots[index(top)] = value;
        live++;
    }

    /** The slot of {@code seq}; null if settled or outside {@code (floor, top]}. */
    @SuppressWarnings("unchecked")
    S get(long seq) {
        return contains(seq) ? (S) slots[index(seq)] : null;
    }

    /** Replaces the live slot of {@code seq} with another value (not null). */
    void replace(long seq, S value) {
        if (!contains(seq) || slots[index(seq)] == null) {
            throw new IllegalStateException("no live slot " + seq + " in (" + floor + ", " + top + "]");
        }
        slots[index(seq)] = value;
    }

    /**
     * Settles {@code seq}: its slot becomes null and the floor moves up over leading nulls.
     *
     * @return the value it held, or null if it was settled already or outside the ring
     */
    @SuppressWarnings("unchecked")
    S clear(long seq) {
        if (!contains(seq)) {
            return null;
        }
        int i = index(seq);
        S old = (S) slots[i];
        if (old == null) {
            return null;
        }
        slots[i] = null;
        live--;
        while (floor < top && slots[index(floor + 1)] == null) {
            floor++;
        }
        if (live == 0) {
            floor = top;
        }
        if (slots.length > MIN_CAPACITY && top - floor < slots.length / 8) {
            resize(Math.max(MIN_CAPACITY, Integer.highestOneBit((int) Math.max(1, top - floor)) * 4));
        }
        return old;
    }

    private int index(long seq) {
        return (int) (seq & (slots.length - 1));
    }

    private void resize(int capacity) {
        if (capacity < 0 || capacity > (1 << 30)) {
            throw new IllegalStateException("too many unsettled messages for one peer: " + (top - floor));
        }
        Object[] bigger = new Object[capacity];
        for (long s = floor + 1; s <= top; s++) {
            bigger[(int) (s & (capacity - 1))] = slots[index(s)];
        }
        Arrays.fill(slots, null);
        slots = bigger;
    }
}
