package io.kfrelay.room;

import java.util.Arrays;

/**
 * The receivers of one published stream, as dense parallel arrays so fan-out is a tight loop. A receiver
 * flagged {@code awaitingKeyframe} gets nothing of the stream until the next packet that starts a keyframe.
 */
final class SubscriberList {
    private Participant[] receivers = new Participant[8];
    private boolean[] awaitingKeyframe = new boolean[8];
    private int size;

    void add(Participant p, boolean awaiting) {
        if (size == receivers.length) {
            receivers = Arrays.copyOf(receivers, size * 2);
            awaitingKeyframe = Arrays.copyOf(awaitingKeyframe, size * 2);
        }
        receivers[size] = p;
        awaitingKeyframe[size] = awaiting;
        size++;
    }

    /** Swap-remove: order of receivers carries no meaning. */
    void remove(Participant p) {
        for (int i = 0; i < size; i++) {
            if (receivers[i] == p) {
                size--;
                receivers[i] = receivers[size];
                awaitingKeyframe[i] = awaitingKeyframe[size];
                receivers[size] = null;
                return;
            }
        }
    }

    int size() {
        return size;
    }

    Participant receiver(int i) {
        return receivers[i];
    }

    boolean awaitingKeyframe(int i) {
        return awaitingKeyframe[i];
    }

    void awaitingKeyframe(int i, boolean awaiting) {
        awaitingKeyframe[i] = awaiting;
    }

    int indexOf(Participant p) {
        for (int i = 0; i < size; i++) {
            if (receivers[i] == p) {
                return i;
            }
        }
        return -1;
    }
}
