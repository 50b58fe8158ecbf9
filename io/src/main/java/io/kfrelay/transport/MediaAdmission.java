package io.kfrelay.transport;

import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.ByteBuf;

/**
 * Which media one receiver's egress queue takes: the keyframe-aware policy of {@link ChannelSink}, decided from a
 * packet's header and the queue's {@link QueueBudget} alone.
 *
 * <p>Video deltas go first: they are admitted only under a share of the media limits ({@link SinkLimits}), so the
 * rest is kept for keyframe packets, which are what ends a receiver's gap, and for audio, a sliver of the bytes with
 * no keyframe to recover at. Dropping video of a stream puts that stream, for this receiver, into "resume at next
 * keyframe": its packets are skipped until one with KEYFRAME and FRAME_START arrives while the queue is down to the
 * low-water mark (a keyframe resumed into a full queue would only be cut short again). The keyframe request goes
 * out once per loss, when the receiver has drained to the low-water mark: a stalled receiver asks for nothing, so
 * it cannot raise the publisher's keyframe rate.
 *
 * <p>Media callers only: the shard consumer or the replay thread, never both at once ({@code ParticipantSink}'s
 * contract, the hand-over goes through the ring), so the per-stream state here is plain. Allocates nothing.
 */
final class MediaAdmission {
    /** Streams one receiver may wait on for a keyframe at once (see {@link StreamKeySet}). */
    static final int MAX_AWAITING_STREAMS = 64;
    private static final int KEYFRAME_START = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START;

    /** What {@link #admit} decided. */
    enum Verdict {
        /** Room for the packet is reserved in the budget: the caller queues it. */
        ADMITTED,
        /** Its stream waits for a keyframe and this packet does not resume it (counted as skipped). */
        SKIPPED,
        /** No room under its limit (counted as dropped); a video stream now waits for its next keyframe. */
        DROPPED
    }

    private final SinkLimits limits;
    private final QueueBudget budget;
    private final KeyframeRequester keyframes;
    private final TransportMetrics metrics;
    private final StreamKeySet awaitingKeyframe = new StreamKeySet(MAX_AWAITING_STREAMS);
    // The awaiting streams whose keyframe request has gone out for the current loss.
    private final StreamKeySet keyframeRequested = new StreamKeySet(MAX_AWAITING_STREAMS);

    MediaAdmission(SinkLimits limits, QueueBudget budget, KeyframeRequester keyframes, TransportMetrics metrics) {
        this.limits = limits;
        this.budget = budget;
        this.keyframes = keyframes;
        this.metrics = metrics;
    }

    /** Decides on one media packet (its readable bytes, header validated by the relay); reserves it if admitted. */
    Verdict admit(ByteBuf packet) {
        int at = packet.readerIndex();
        int flags = MediaHeader.flags(packet, at);
        int kind = MediaHeader.kind(packet, at);
        boolean video = kind == Protocol.KIND_VIDEO;
        if (video && !awaitingKeyframe.isEmpty() && !resumes(packet, at, flags)) {
            metrics.increment(Counter.MEDIA_SKIPPED);
            return Verdict.SKIPPED;
        }
        int length = packet.readableBytes();
        boolean admitted = (flags & Protocol.FLAG_KEYFRAME) != 0 || kind == Protocol.KIND_AUDIO
                ? budget.tryReserve(length, limits.mediaMessages(), limits.mediaBytes())
                : budget.tryReserve(length, limits.deltaMessages(), limits.deltaBytes());
        if (admitted) {
            return Verdict.ADMITTED;
        }
        metrics.increment(Counter.MEDIA_DROPPED);
        if (video) {
            // Later deltas of this stream would not decode without the lost packet: wait for a keyframe.
            long key = StreamKeySet.key(MediaHeader.senderId(packet, at), MediaHeader.streamId(packet, at));
            awaitingKeyframe.add(key);
            keyframeRequested.remove(key);
        }
        return Verdict.DROPPED;
    }

    /** Whether a video packet may go on: its stream is not waiting, or it is a keyframe start it resumes at. */
    private boolean resumes(ByteBuf packet, int at, int flags) {
        long sender = MediaHeader.senderId(packet, at);
        int stream = MediaHeader.streamId(packet, at);
        long key = StreamKeySet.key(sender, stream);
        if (!awaitingKeyframe.contains(key)) {
            return true;
        }
        boolean keyframeStart = (flags & KEYFRAME_START) == KEYFRAME_START;
        if (!budget.isAtLowWater(limits)) {
            if (keyframeStart) {
                // This keyframe is lost too: the request for it (if any) is spent, ask again once drained.
                keyframeRequested.remove(key);
            }
            return false;
        }
        if (keyframeStart) {
            awaitingKeyframe.remove(key); // drained and a keyframe starts: the stream decodes again from here
            keyframeRequested.remove(key);
            return true;
        }
        if (!keyframeRequested.contains(key)) {
            // Drained: now a keyframe would fit, so now is the time to ask (once per loss; the relay throttles).
            keyframeRequested.add(key);
            metrics.increment(Counter.KEYFRAME_REQUESTS);
            keyframes.requestKeyframe(sender, stream);
        }
        return false;
    }

    /**
     * The receiver unsubscribed from the stream {@code key}: whatever this policy held about it goes. A later
     * subscription starts from a keyframe of its own (a replay, or the relay holds it back to the next keyframe
     * start), and waiting on here for a loss from before would skip the live packets that follow that start.
     */
    void forget(long key) {
        awaitingKeyframe.remove(key);
        keyframeRequested.remove(key);
    }

    /** Streams this receiver skips until their next keyframe. Media callers' thread only. */
    int awaitingStreams() {
        return awaitingKeyframe.size();
    }
}
