package io.kfrelay.room;

import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Histogram;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.time.NanoClock;
import io.netty.buffer.ByteBuf;

/**
 * The per-packet path (hot: no allocation, no lock, no log): stamp the packet in place, feed the stream's cache,
 * hand the one shared buffer to every subscriber that may have it. A subscriber waiting for a keyframe skips to
 * the next keyframe start; one still in replay gets the packet queued behind its replay. Simulcast layers tell
 * {@link LayerSwitches} once per packet whether a waiting switch can go, and at each frame end (once per frame).
 */
final class FanOut {
    private final Membership membership;
    private final ReplayHandover handover;
    private final LayerSwitches layers;
    private final KeyframeRequests keyframes;
    private final Egress egress;
    private final EnumCounters<Stat> stats;
    private final EnumCounters<DropReason> drops;
    private final NanoClock clock;
    private final Histogram lateJoins;
    private final MediaHeader header = new MediaHeader();

    FanOut(Membership membership, ReplayHandover handover, LayerSwitches layers, KeyframeRequests keyframes,
           Egress egress, EnumCounters<Stat> stats, EnumCounters<DropReason> drops, NanoClock clock,
           Histogram lateJoins) {
        this.lateJoins = lateJoins;
        this.membership = membership;
        this.handover = handover;
        this.layers = layers;
        this.keyframes = keyframes;
        this.egress = egress;
        this.stats = stats;
        this.drops = drops;
        this.clock = clock;
    }

    /**
     * One media packet from participant {@code id}, already validated by the I/O thread. Ownership of
     * {@code packet} passes here: it is stamped in place, cached, handed to every receiver and released.
     */
    void media(int id, ByteBuf packet) {
        try {
            Participant sender = membership.participant(id);
            if (sender == null) {
                drops.incrementShared(DropReason.UNKNOWN_SENDER);
                return;
            }
            if (header.wrap(packet) != DecodeStatus.OK) {
                drops.incrementShared(DropReason.MALFORMED);
                return;
            }
            header.stampIngress(id);
            int length = header.frameLength();
            stats.increment(Stat.INGRESS_PACKETS);
            stats.add(Stat.INGRESS_BYTES, length);

            PublishedStream stream = sender.streams.get(header.streamId());
            boolean started = false;
            if (stream == null) {
                stream = membership.startStream(sender, header.streamId(), header.kind());
                if (stream == null) {
                    return;
                }
                started = true;
            } else if (stream.kind != header.kind()) {
                drops.incrementShared(DropReason.KIND_MISMATCH);
                return;
            }
            long now = clock.nanoTime();
            if (stream.cache != null && stream.cache.onPacket(header, now)) {
                // The cached GOP lost continuity and closed: a fresh keyframe makes it whole again.
                keyframes.request(stream, now);
            }
            boolean keyframeStart = header.isKeyframe() && header.isFrameStart();
            boolean frameEnd = header.isFrameEnd();
            if (stream.keyframeRequestOwed) {
                keyframes.onPacket(stream, keyframeStart, now);
            }
            SimulcastSource source = stream.source;
            if (source != null) {
                // Both before the packet goes out: the legs they add take it live.
                if (started) {
                    layers.layerStarting(stream, keyframeStart, now);
                }
                if (keyframeStart && !stream.switchingHere.isEmpty() && stream.cache.replayPacketCount() == 0) {
                    layers.keyframeNotCached(stream);
                }
            }
            deliver(stream, packet, length, keyframeStart, now);
            stream.midFrame = !frameEnd;
            if (source != null) {
                if (started) {
                    layers.layerStarted(stream, now);
                }
                layers.afterPacket(stream, frameEnd, now);
            }
        } finally {
            packet.release();
        }
    }

    private void deliver(PublishedStream stream, ByteBuf packet, int length, boolean keyframeStart, long now) {
        SubscriberList subs = stream.subscribers;
        int delivered = 0;
        int skipped = 0;
        for (int i = 0, n = subs.size(); i < n; i++) {
            Subscription s = subs.get(i);
            if (s.awaitingKeyframe) {
                if (!keyframeStart || s.deferred) {
                    skipped++;
                    continue;
                }
                s.awaitingKeyframe = false;
                Participant r = s.receiver;
                if (r.lateJoinSince != 0 && r.replay == null) {
                    // Once per late joiner: its first keyframe start, nothing having been replayed to it.
                    lateJoins.record(now - r.lateJoinSince);
                    r.lateJoinSince = 0;
                }
            }
            Participant r = s.receiver;
            if (r.replay != null) {
                handover.queue(s, packet, now); // counted when handed over
            } else {
                egress.sendMedia(r, packet);
                delivered++;
            }
        }
        if (skipped > 0) {
            drops.addShared(DropReason.AWAITING_KEYFRAME, skipped);
        }
        stats.add(Stat.EGRESS_PACKETS, delivered);
        stats.add(Stat.EGRESS_BYTES, (long) delivered * length);
    }
}
