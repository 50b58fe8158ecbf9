package io.kfrelay.transport;

/**
 * The (sender, stream) pairs one receiver has lost media of and now waits on for a keyframe. A linear scan
 * over a small array: a receiver rarely waits on more than a few streams, and the empty case (the common
 * one) is a single compare. Bounded: when full, the oldest entry falls out (that stream then resumes on a
 * delta, a glitch rather than unbounded state). Single-threaded; never allocates after construction.
 */
final class StreamKeySet {
    private final long[] keys;
    private int size;

    StreamKeySet(int capacity) {
        this.keys = new long[capacity];
    }

    static long key(long senderId, int streamId) {
        return senderId << 16 | streamId;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    boolean contains(long key) {
        return indexOf(key) >= 0;
    }

    void add(long key) {
        if (contains(key)) {
            return;
        }
        if (size == keys.length) {
            removeAt(0);
        }
        keys[size++] = key;
    }

    void remove(long key) {
        int i = indexOf(key);
        if (i >= 0) {
            removeAt(i);
        }
    }

    private int indexOf(long key) {
        for (int i = 0; i < size; i++) {
            if (keys[i] == key) {
                return i;
            }
        }
        return -1;
    }

    // Keeps insertion order, so "oldest" stays meaningful.
    private void removeAt(int i) {
        System.arraycopy(keys, i + 1, keys, i, size - i - 1);
        size--;
    }
}
