package io.kfrelay.client;

import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.concurrent.TimeUnit;

/**
 * Notices lost video packets by their sequence numbers, per (sender, stream), and says when the loss broke a
 * keyframe: a gap while a keyframe was arriving, or a keyframe packet that arrives without its start. That is
 * when a receiver should ask for a new keyframe (at most once per stream per {@code minInterval}; the relay
 * throttles too). A packet that arrives late (behind one already seen) is neither loss nor progress.
 *
 * <p>One thread (the client's I/O thread); no allocation per packet after a stream's first.
 */
final class LossDetector {
    static final long DEFAULT_MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private static final class StreamState {
        long nextSequence;
        boolean inKeyframe;
        long lastRequestNanos;
        boolean requested;
    }

    private final Long2ObjectHashMap<StreamState> streams = new Long2ObjectHashMap<>();
    private final long minIntervalNanos;
    private long lostPackets;
    private long keyframeRequests;

    LossDetector(long minIntervalNanos) {
        this.minIntervalNanos = minIntervalNanos;
    }

    /** Notes one video packet; true when it shows a broken keyframe and a keyframe request is due. */
    boolean onVideoPacket(long senderId, int streamId, long sequence, int flags, long nowNanos) {
        long key = senderId << 16 | streamId;
        StreamState s = streams.get(key);
        boolean keyframe = (flags & Protocol.FLAG_KEYFRAME) != 0;
        boolean start = (flags & Protocol.FLAG_FRAME_START) != 0;
        if (s == null) {
            s = new StreamState();
            streams.put(key, s);
        } else {
            int gap = MediaHeader.seqDelta(s.nextSequence, sequence);
            if (gap < 0) {
                return false; // late: its place was already counted as lost
            }
            if (gap > 0) {
                lostPackets += gap;
                boolean brokeKeyframe = s.inKeyframe || (keyframe && !start);
                advance(s, sequence, flags);
                return brokeKeyframe && due(s, nowNanos);
            }
        }
        advance(s, sequence, flags);
        return false;
    }

    private static void advance(StreamState s, long sequence, int flags) {
        s.nextSequence = (sequence + 1) & 0xFFFF_FFFFL;
        s.inKeyframe = (flags & Protocol.FLAG_KEYFRAME) != 0 && (flags & Protocol.FLAG_FRAME_END) == 0;
    }

    /**
     * Starts {@code streamId} afresh: the relay switched this receiver to it (LAYER), so its next packet follows
     * whatever it sent of the stream before, not the last one this receiver saw.
     */
    void restart(long senderId, int streamId) {
        streams.remove(senderId << 16 | streamId);
    }

    private boolean due(StreamState s, long now) {
        if (s.requested && now - s.lastRequestNanos < minIntervalNanos) {
            return false;
        }
        s.requested = true;
        s.lastRequestNanos = now;
        keyframeRequests++;
        return true;
    }

    /** Video packets missing from the sequences seen so far. */
    long lostPackets() {
        return lostPackets;
    }

    /** Keyframe requests this detector asked for. */
    long keyframeRequests() {
        return keyframeRequests;
    }
}
