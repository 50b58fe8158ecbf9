package io.kfrelay.perf.load;

import io.kfrelay.protocol.MediaHeader;

/**
 * Per-receiver check of live sequence numbers, stream by stream: a jump forward is a gap (packets missing), a
 * step back or repeat is a duplicate or reordering. Over TCP neither should happen unless the relay dropped or
 * repeated something, so both are reported. I/O thread only; no allocation per packet (a few slots, linear
 * search: a receiver sees a handful of streams).
 */
public final class SequenceCheck {
    private final long[] keys;
    private final long[] next;
    private int known;

    public SequenceCheck(int maxStreams) {
        keys = new long[maxStreams];
        next = new long[maxStreams];
    }

    /**
     * One live packet.
     *
     * @return packets missing before it (&gt; 0), 0 if in order, -1 if it is a duplicate or arrived out of order
     */
    public int onPacket(long senderId, int streamId, long sequence) {
        long key = (senderId << 16) | streamId;
        int i = 0;
        while (i < known && keys[i] != key) {
            i++;
        }
        if (i == known) {
            if (known == keys.length) {
                return 0; // more streams than slots: not checked
            }
            keys[known++] = key;
            next[i] = (sequence + 1) & 0xFFFF_FFFFL;
            return 0;
        }
        int delta = MediaHeader.seqDelta(next[i], sequence);
        if (delta < 0) {
            return -1;
        }
        next[i] = (sequence + 1) & 0xFFFF_FFFFL;
        return delta;
    }

    /** Forgets every stream's position (e.g. after replayed packets, which have their own numbering window). */
    public void reset() {
        known = 0;
    }

    /**
     * Forgets one stream's position: the relay switched this receiver to that stream (a simulcast layer, LAYER), so
     * its next packet follows whatever the receiver got of it before, if anything, with a jump that is no loss.
     */
    public void forget(long senderId, int streamId) {
        long key = (senderId << 16) | streamId;
        for (int i = 0; i < known; i++) {
            if (keys[i] == key) {
                known--;
                keys[i] = keys[known];
                next[i] = next[known];
                return;
            }
        }
    }
}
