package io.kfrelay.room;

import io.kfrelay.cache.CacheBudget;
import io.kfrelay.cache.RunSlice;
import io.kfrelay.jfr.JfrEvents;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Histogram;
import io.kfrelay.metrics.Stat;
import io.kfrelay.replay.CatchUpQueue;
import io.kfrelay.replay.ReplayJob;
import io.kfrelay.replay.ReplayLauncher;
import io.netty.buffer.ByteBuf;

import java.util.List;

/**
 * A joiner's way from its replay to live, on the consumer's side: it starts the replay at the JOIN, queues the
 * joiner's live media and control behind it ({@link CatchUpQueue}), moves a joiner that cannot keep up forward, and
 * when the replay thread is done hands over what queued since, so per stream the joiner sees one gap-free,
 * duplicate-free sequence from the first replayed packet on.
 */
final class ReplayHandover {
    private final ReplayLauncher launcher;
    private final CacheBudget budget;
    private final long keyframeCapBytes;
    private final Egress egress;
    private final KeyframeRequests keyframes;
    private final EnumCounters<Stat> stats;
    private final EnumCounters<DropReason> drops;
    private final Histogram replayDurations;
    private final Histogram lateJoins;

    ReplayHandover(ReplayLauncher launcher, CacheBudget budget, long keyframeCapBytes, Egress egress,
                   KeyframeRequests keyframes, EnumCounters<Stat> stats, EnumCounters<DropReason> drops,
                   Histogram replayDurations, Histogram lateJoins) {
        this.lateJoins = lateJoins;
        this.launcher = launcher;
        this.budget = budget;
        this.keyframeCapBytes = keyframeCapBytes;
        this.egress = egress;
        this.keyframes = keyframes;
        this.stats = stats;
        this.drops = drops;
        this.replayDurations = replayDurations;
    }

    /** The receiver's replay of {@code slices} starts now; from here on its live media and control queue behind it. */
    void start(Participant joiner, List<RunSlice> slices) {
        int packets = 0;
        long bytes = 0;
        for (RunSlice s : slices) {
            packets += s.packetCount();
            bytes += s.bytes();
        }
        stats.increment(Stat.REPLAYS);
        stats.increment(Stat.REPLAYS_ACTIVE);
        stats.add(Stat.REPLAY_PACKETS, packets);
        stats.add(Stat.REPLAY_BYTES, bytes);
        // The JOINED goes out first, so the replay is not ahead of it in any transport queue.
        egress.flushNow(joiner);
        CatchUpQueue queue = new CatchUpQueue(budget, CatchUpQueue.boundFor(bytes, keyframeCapBytes));
        joiner.catchUp = queue;
        joiner.replay = launcher.launch(joiner.id, joiner.sink, slices, queue);
    }

    /**
     * A live packet for a receiver still in replay, on its subscription {@code s}: queued behind the replay. If the
     * queue is at its bound (or the budget is spent) the receiver cannot keep up and moves forward; from then on its
     * media is not queued (video waits for its next keyframe start, audio resumes live after the hand-over).
     */
    void queue(Subscription s, ByteBuf packet, long now) {
        Participant receiver = s.receiver;
        if (!receiver.replay.skippedForward() && receiver.catchUp.offerMedia(packet)) {
            return;
        }
        drops.incrementShared(DropReason.REPLAY_QUEUE_FULL);
        if (s.stream.isVideo()) {
            s.awaitingKeyframe = true; // a keyframe start let through and dropped: its stream waits for the next
        }
        if (!receiver.replay.skippedForward()) {
            moveForward(receiver, now);
        }
    }

    /**
     * The joiner is behind for good: each of its video streams waits for its next keyframe start (asked for once,
     * throttled as always), and the replay thread stops replaying, drops what media queued and hands over.
     */
    private void moveForward(Participant p, long now) {
        for (Subscription s : p.subscriptions) {
            if (s.stream.isVideo()) {
                s.awaitingKeyframe = true;
                keyframes.request(s.stream, now);
            }
        }
        p.keyframesAfterReplay.clear();
        stats.increment(Stat.REPLAYS_SKIPPED_FORWARD);
        p.replay.skipForward();
    }

    /**
     * The replay thread is done: what queued since its last look goes out now, in order, and the receiver is live.
     * False for a stale report (the receiver left meanwhile).
     */
    boolean done(Participant p, ReplayJob job, long now) {
        if (p.replay != job) {
            return false;
        }
        CatchUpQueue queue = p.catchUp;
        p.replay = null;
        p.catchUp = null;
        stats.add(Stat.REPLAYS_ACTIVE, -1);
        stats.add(Stat.EGRESS_PACKETS, job.replayedPackets() + job.caughtUpPackets());
        stats.add(Stat.EGRESS_BYTES, job.replayedBytes() + job.caughtUpBytes());
        replayDurations.record(job.durationNanos());
        if (p.lateJoinSince != 0) {
            lateJoins.record(now - p.lateJoinSince); // a late joiner replayed from the cache is live now
            p.lateJoinSince = 0;
        }
        JfrEvents.replay(p.room.name, p.id, job.replayedPackets(), job.replayedBytes(), job.durationNanos(),
                queue.offered());
        ByteBuf item;
        while ((item = queue.poll()) != null) {
            long purge = CatchUpQueue.purgeKey(item);
            if (purge >= 0) {
                egress.purgeNow(p, purge);
                item.release();
            } else if (CatchUpQueue.isMedia(item)) {
                egress.sendMedia(p, item);
                stats.increment(Stat.EGRESS_PACKETS);
                stats.add(Stat.EGRESS_BYTES, item.readableBytes());
                item.release();
            } else {
                egress.send(p, item);
            }
        }
        egress.markDirty(p);
        for (PublishedStream s : p.keyframesAfterReplay) {
            if (p.room.streams.contains(s)) { // not ended meanwhile
                keyframes.request(s, now);
            }
        }
        p.keyframesAfterReplay.clear();
        return true;
    }

    /** The participant leaves: its replay stops and what queued behind it is released. */
    void cancel(Participant p) {
        if (p.replay != null) {
            p.replay.cancel();
            p.replay = null;
            stats.add(Stat.REPLAYS_ACTIVE, -1);
        }
        p.catchUp = null;
    }
}
