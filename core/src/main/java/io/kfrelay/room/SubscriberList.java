package io.kfrelay.room;

import java.util.Arrays;

/**
 * The subscriptions of one published stream, as a dense array so fan-out is a tight loop. Swap-remove in O(1):
 * the order of receivers carries no meaning.
 */
final class SubscriberList {
    private Subscription[] subs = new Subscription[8];
    private int size;

    void add(Subscription s) {
        if (size == subs.length) {
            subs = Arrays.copyOf(subs, size * 2);
        }
        s.indexInStream = size;
        subs[size++] = s;
    }

    void remove(Subscription s) {
        int i = s.indexInStream;
        if (i < 0 || i >= size || subs[i] != s) {
            return;
        }
        Subscription last = subs[--size];
        subs[i] = last;
        last.indexInStream = i;
        subs[size] = null;
        s.indexInStream = -1;
    }

    int size() {
        return size;
    }

    Subscription get(int i) {
        return subs[i];
    }
}
