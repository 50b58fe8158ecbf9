package io.kfrelay.room;

import io.kfrelay.cache.CacheBudget;
import io.kfrelay.cache.SegmentAllocator;
import io.kfrelay.cache.ShardCaches;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.replay.ReplayJob;
import io.kfrelay.replay.ReplayLauncher;
import io.kfrelay.time.NanoClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * All room state of one shard: rooms, participants, streams and their keyframe caches. Only the shard's consumer
 * thread calls it, in ring order, so nothing here is locked or concurrent: this is the single writer, and the one
 * source of room truth. It is the shard's one entry point; the work is done by one class per role:
 * {@link Membership} (who is where), {@link Subscriptions} (who receives which stream, and how a new one starts),
 * {@link LayerSwitches} (which simulcast layer each receiver gets), {@link FanOut} (the per-packet path),
 * {@link ReplayHandover} (a receiver's way from a replay to live), {@link RoomViews} (read-only views), sharing
 * {@link Egress} (the one way to a sink) and {@link KeyframeRequests} (the one throttle).
 */
public final class RoomState {
    private final NanoClock clock;
    private final Egress egress;
    private final Membership membership;
    private final FanOut fanOut;
    private final ReplayHandover handover;
    private final Subscriptions subscriptions;
    private final RoomViews views;

    /**
     * @param caches     this shard's caches (over the relay-wide allocator and budget)
     * @param roomQuota  the relay-wide room limit, shared by every shard
     * @param roomSizes  told each room's member count as it changes (the producers' fan-out charge)
     */
    public RoomState(RelayConfig config, int shard, RelayMetrics metrics, NanoClock clock, ByteBufAllocator alloc,
                     ShardCaches caches, ReplayLauncher replays, RoomQuota roomQuota, RoomSizes roomSizes) {
        this.clock = clock;
        var stats = metrics.shardStats(shard);
        ControlOut control = new ControlOut(alloc);
        this.egress = new Egress(stats);
        KeyframeRequests keyframes = new KeyframeRequests(egress, control, stats,
                config.keyframeRequestInterval().toNanos());
        this.handover = new ReplayHandover(replays, caches.segments().budget(), config.keyframeCapBytes(), egress,
                keyframes, stats, metrics.drops(), metrics.replayDurations(), metrics.lateJoins());
        this.subscriptions = new Subscriptions(handover, keyframes, egress, control, stats);
        LayerSwitches layers = new LayerSwitches(subscriptions, keyframes, egress, control,
                new AutoLayer(config.autoLayer()), stats, metrics.shardLayerSwitches(shard));
        this.membership = new Membership(config, shard, roomQuota, roomSizes, caches, control, egress, keyframes,
                handover, subscriptions, layers, stats, metrics.drops());
        this.fanOut = new FanOut(membership, handover, layers, keyframes, egress, stats, metrics.drops(), clock,
                metrics.lateJoins());
        this.views = new RoomViews(membership.rooms, clock);
    }

    /** One shard on its own (tests, benchmarks): caches under a budget of their own, no other shard to share with. */
    public RoomState(RelayConfig config, int shard, RelayMetrics metrics, NanoClock clock, ByteBufAllocator alloc,
                     ReplayLauncher replays) {
        this(config, shard, metrics, clock, alloc,
                ShardCaches.of(config, new SegmentAllocator(new CacheBudget(config.effectiveCacheBudgetBytes())), metrics, shard),
                replays, new RoomQuota(config.maxRooms()), RoomSizes.NONE);
    }

    // ---------------------------------------------------------------- membership

    /** A JOIN with every grant (the open mode). */
    public void join(int id, String roomName, String identity, ParticipantSink sink) {
        join(id, roomName, identity, Grants.ALL, sink);
    }

    /** A JOIN, processed in ring order: the joiner sees the caches exactly as every earlier packet left them. */
    public void join(int id, String roomName, String identity, Grants grants, ParticipantSink sink) {
        join(id, roomName, identity, grants, false, sink);
    }

    /** A JOIN; with {@code manualSubscribe} the joiner is subscribed to nothing until it asks. */
    public void join(int id, String roomName, String identity, Grants grants, boolean manualSubscribe,
                     ParticipantSink sink) {
        membership.join(id, roomName, identity, grants, manualSubscribe, sink, clock.nanoTime());
    }

    /** A LEAVE or a disconnect; unknown ids are ignored. */
    public void leave(int id) {
        membership.leave(id);
    }

    /** The relay ends a participant's session (kick, shutdown): an ERROR with {@code code}, then a leave. */
    public void evict(int id, int code, String reason) {
        membership.evict(id, code, reason);
    }

    /** The relay ends a participant's session with {@code last}: an ERROR, or a REDIRECT (the room moved). */
    public void evict(int id, io.kfrelay.protocol.ControlMessage last) {
        membership.evict(id, last);
    }

    /** Evicts everyone (relay shutdown); afterwards every gauge is back to zero. */
    public void evictAll(int code, String reason) {
        membership.evictAll(code, reason);
    }

    /** Answers a JOIN with an ERROR and closes the sink; nothing about the joiner is kept. */
    public void refuse(ParticipantSink sink, int code, String reason) {
        membership.refuse(sink, code, reason);
    }

    /** Answers a JOIN with {@code last} (an ERROR or a REDIRECT) and closes the sink. */
    public void refuse(ParticipantSink sink, io.kfrelay.protocol.ControlMessage last) {
        membership.refuse(sink, last);
    }

    /** A publisher ends one of its streams. */
    public void endStream(int id, int streamId) {
        membership.endStream(id, streamId, clock.nanoTime());
    }

    /**
     * SUBSCRIBE from participant {@code id}: a plain stream, or a simulcast source's layer preference
     * ({@code layer} 0.., or {@link io.kfrelay.protocol.Protocol#LAYER_AUTO}). A refusal is answered to it.
     */
    public void subscribe(int id, long publisherId, int streamId, int layer) {
        membership.subscribe(id, publisherId, streamId, layer, clock.nanoTime());
    }

    /** UNSUBSCRIBE from participant {@code id}. */
    public void unsubscribe(int id, long publisherId, int streamId) {
        membership.unsubscribe(id, publisherId, streamId);
    }

    /** SIMULCAST from publisher {@code id}: its streams {@code streamIds} are one source's layers. */
    /** A relay's stand-in publisher announces a stream ahead of its first packet (docs/CLUSTER.md, cascade). */
    public void announceStream(int id, int streamId, int kind) {
        membership.announceStream(id, streamId, kind);
    }

    public void declareSimulcast(int id, int[] streamIds) {
        membership.declareSimulcast(id, streamIds);
    }

    /** A receiver asks for a keyframe of {@code senderId}'s stream (e.g. after loss); throttled per stream. */
    public void keyframeRequest(int requesterId, long senderId, int streamId) {
        membership.keyframeRequest(requesterId, senderId, streamId, clock.nanoTime());
    }

    /** The replay thread of participant {@code id} is done: hand over what queued behind it, in order. */
    public void replayDone(int id, ReplayJob job) {
        Participant p = membership.participant(id);
        if (p != null) {
            long now = clock.nanoTime();
            if (handover.done(p, job, now)) {
                subscriptions.afterReplay(p, now);
            }
        }
    }

    // ---------------------------------------------------------------- media (hot path)

    /** One validated media packet of participant {@code id}; ownership passes (see {@link FanOut#media}). */
    public void media(int id, ByteBuf packet) {
        fanOut.media(id, packet);
    }

    /** End of a ring batch: one flush per participant that was written to. */
    public void flushDirty() {
        egress.flushDirty();
    }

    // ---------------------------------------------------------------- inspection

    public List<RoomInfo> rooms() {
        return views.rooms();
    }

    public RoomInfo room(String name) {
        return views.room(name);
    }
}
