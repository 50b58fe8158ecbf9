package io.kfrelay.pipeline;

import io.kfrelay.cache.CacheBudget;
import io.kfrelay.cache.SegmentAllocator;
import io.kfrelay.cache.ShardCaches;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.room.Grants;
import io.kfrelay.room.RoomInfo;
import io.kfrelay.room.RoomQuota;
import io.kfrelay.time.NanoClock;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The relay core: N shards, each a ring with one consumer that owns its rooms. Rooms are assigned to shards
 * by hash, so everything about one room happens on one thread, in one order. Transports call
 * {@link #join} per participant and use the returned {@link RelaySession}.
 */
public final class RelayCore implements AutoCloseable {
    private final RelayConfig config;
    private final RelayMetrics metrics;
    private final Shard[] shards;
    private final CacheBudget cacheBudget;
    private final SegmentAllocator segments;
    private final AtomicInteger nextParticipantId = new AtomicInteger();
    /**
     * Sessions by participant id, from the JOIN until their shard has handled their leave: how an operator's kick
     * finds its participant, and what keeps a wrapped id from being given to two participants at once.
     */
    private final ConcurrentHashMap<Integer, RelaySession> sessions = new ConcurrentHashMap<>();
    private volatile boolean draining;
    private volatile boolean closed;
    private volatile java.util.function.Consumer<RelaySession> beforeJoinPublished = session -> { };

    private RelayCore(RelayConfig config, NanoClock clock, ByteBufAllocator alloc) {
        this.config = config;
        this.metrics = new RelayMetrics(config.shards());
        this.shards = new Shard[config.shards()];
        // Relay-wide, shared by every shard: the room limit, the cache budget and its segments.
        RoomQuota roomQuota = new RoomQuota(config.maxRooms());
        this.cacheBudget = new CacheBudget(config.effectiveCacheBudgetBytes());
        this.segments = new SegmentAllocator(cacheBudget);
        for (int i = 0; i < shards.length; i++) {
            shards[i] = new Shard(i, config, metrics, clock, alloc, ShardCaches.of(config, segments, metrics, i),
                    roomQuota, sessions::remove);
        }
    }

    public static RelayCore start(RelayConfig config) {
        return start(config, NanoClock.SYSTEM);
    }

    public static RelayCore start(RelayConfig config, NanoClock clock) {
        return start(config, clock, PooledByteBufAllocator.DEFAULT);
    }

    public static RelayCore start(RelayConfig config, NanoClock clock, ByteBufAllocator alloc) {
        RelayCore core = new RelayCore(config, clock, alloc);
        for (Shard s : core.shards) {
            s.start();
        }
        return core;
    }

    /**
     * Joins {@code identity} to {@code room}. The answer (JOINED, then any replay; or an ERROR and a
     * {@link ParticipantSink#close()}) arrives through {@code sink}. The JOIN is never dropped.
     */
    public RelaySession join(String room, String identity, ParticipantSink sink) {
        return join(room, identity, Grants.ALL, sink);
    }

    /**
     * Joins with {@code grants} (decided by the transport, e.g. from a join token): without canSubscribe the
     * participant is sent no media; without canPublish its first media packet evicts it (PUBLISH_NOT_ALLOWED).
     */
    public RelaySession join(String room, String identity, Grants grants, ParticipantSink sink) {
        return join(room, identity, grants, false, sink);
    }

    /**
     * Joins with {@code grants}; with {@code manualSubscribe} (the JOIN option) the participant is subscribed to
     * nothing until it asks ({@link RelaySession#subscribe}).
     */
    public RelaySession join(String room, String identity, Grants grants, boolean manualSubscribe,
                             ParticipantSink sink) {
        Shard shard = shardOf(room);
        if (draining) {
            RelaySession refused = new RelaySession(shard, metrics, nextId(), room, identity, grants.canPublish(),
                    config.maxStreamsPerParticipant());
            refused.markLeft(); // nothing it sends gets in
            shard.publish(new Command.Refuse(sink, ErrorCodes.RELAY_SHUTTING_DOWN, "relay is draining: join another relay"));
            return refused;
        }
        RelaySession session;
        do {
            // Ids stay positive and fit the wire's u32. After 2^31 joins they wrap: an id still in use (its
            // participant not yet gone from its shard) is skipped, so two participants never share one.
            session = new RelaySession(shard, metrics, nextId(), room, identity, grants.canPublish(),
                    config.maxStreamsPerParticipant());
        } while (sessions.putIfAbsent(session.participantId(), session) != null && session.markLeft());
        // From here a kick can find the session, even before its JOIN is in the ring: the shard handles that.
        beforeJoinPublished.accept(session);
        shard.publish(new Command.Join(session, grants, manualSubscribe, sink)); // after close: refused inline
        return session;
    }

    /** Tests: runs in the window between a session being findable and its JOIN entering the ring. */
    void beforeJoinPublished(java.util.function.Consumer<RelaySession> hook) {
        beforeJoinPublished = hook;
    }

    /** Tests: the next participant id handed out follows {@code id} (to reach the wrap without 2^31 joins). */
    void nextParticipantIdAfter(int id) {
        nextParticipantId.set(id);
    }

    private int nextId() {
        return nextParticipantId.updateAndGet(i -> i == Integer.MAX_VALUE ? 1 : i + 1);
    }

    /**
     * Ends one participant's session: it gets an ERROR with {@code code} and {@code reason}, its sink is
     * closed, and the others see it leave. The message is checked here, on the caller's thread.
     *
     * @throws IllegalArgumentException if code or reason cannot be carried by an ERROR message
     */
    public void evict(RelaySession session, int code, String reason) {
        evict(session, new ControlMessage.Error(code, reason));
    }

    /**
     * Ends one participant's session with {@code last} as its last message: an ERROR, or a REDIRECT (its room is
     * served elsewhere now: a cluster node that lost the room or drains). Then its sink is closed and the others see
     * it leave; a JOIN of it still in the ring is answered with {@code last}. False if it had already left.
     *
     * @throws IllegalArgumentException if {@code last} is neither an ERROR nor a REDIRECT
     */
    public boolean evict(RelaySession session, ControlMessage last) {
        if (!(last instanceof ControlMessage.Error || last instanceof ControlMessage.Redirect)) {
            throw new IllegalArgumentException("a session ends with an ERROR or a REDIRECT, not " + last.type());
        }
        if (session.markEvicted(last)) {
            shardOf(session.room()).publish(new Command.Evict(session.participantId(), last));
            return true;
        }
        return false;
    }

    /**
     * Ends every session of {@code room} on this relay with {@code last} (see {@link #evict(RelaySession,
     * ControlMessage)}), JOINs still in the ring included; returns how many it ended. Sessions joining after this
     * call are not touched: whoever calls it has stopped placing JOINs in the room here first.
     */
    public int evictRoom(String room, ControlMessage last) {
        int ended = 0;
        for (RelaySession s : sessions.values()) {
            if (s.room().equals(room) && evict(s, last)) {
                ended++;
            }
        }
        return ended;
    }

    /** Sessions on this relay: from each JOIN until its shard has handled the leave. */
    public int sessionCount() {
        return sessions.size();
    }

    /**
     * Evicts participant {@code participantId} if it is (still) in {@code room}: the operator's kick. False when
     * no such participant is there.
     */
    public boolean evict(String room, int participantId, int code, String reason) {
        RelaySession s = sessions.get(participantId);
        if (s == null || s.hasLeft() || !s.room().equals(room)) {
            return false;
        }
        evict(s, code, reason);
        return true;
    }

    /** The session of a participant that has not left, if any. */
    public Optional<RelaySession> session(int participantId) {
        return Optional.ofNullable(sessions.get(participantId)).filter(s -> !s.hasLeft());
    }

    /**
     * Drains the relay for maintenance: from now on every JOIN is refused (RELAY_SHUTTING_DOWN); rooms that are
     * running go on until their participants leave. There is no way back short of a restart.
     */
    public void drain() {
        draining = true;
    }

    public boolean isDraining() {
        return draining;
    }

    /** Events waiting in shard {@code shard}'s ring (of {@link RelayConfig#ringSize()}). */
    public long ringOccupancy(int shard) {
        return shards[shard].ringOccupancy();
    }

    /** The shard a room lives on (stable for the life of the relay). */
    public int shardIndex(String room) {
        return Math.floorMod(spread(room.hashCode()), shards.length);
    }

    private Shard shardOf(String room) {
        return shards[shardIndex(room)];
    }

    private static int spread(int h) {
        // String hashes of similar names differ in low bits only; mix so shards fill evenly.
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h;
    }

    /** Every room on every shard, each described in its shard's ring order. */
    public CompletableFuture<List<RoomInfo>> rooms() {
        List<CompletableFuture<List<RoomInfo>>> parts = new ArrayList<>();
        for (Shard s : shards) {
            parts.add(s.query(io.kfrelay.room.RoomState::rooms));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<RoomInfo> all = new ArrayList<>();
            parts.forEach(p -> all.addAll(p.join()));
            return all;
        });
    }

    /** One room, or null when it does not exist. */
    public CompletableFuture<RoomInfo> room(String name) {
        return shardOf(name).query(state -> state.room(name));
    }

    /**
     * Completes once every event published to every shard before this call has been processed: a barrier
     * for tests and for draining.
     */
    public CompletableFuture<Void> sync() {
        List<CompletableFuture<Boolean>> parts = new ArrayList<>();
        for (Shard s : shards) {
            parts.add(s.query(state -> Boolean.TRUE));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
    }

    public RelayMetrics metrics() {
        return metrics;
    }

    /** The relay-wide cache budget and what is charged to it now. */
    public CacheBudget cacheBudget() {
        return cacheBudget;
    }

    /** Bytes of media waiting in shard {@code shard}'s ring. */
    public long ringBytes(int shard) {
        return shards[shard].ringBytes();
    }

    /** Deliveries (packets x receivers) waiting in shard {@code shard}'s ring. */
    public long ringWork(int shard) {
        return shards[shard].ringWork();
    }

    public RelayConfig config() {
        return config;
    }

    /**
     * Tells every participant the relay is going away, frees every cache and stops the shard threads.
     * Joins, commands and queries after this are answered at once (refused, failed or ignored).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Shard s : shards) {
            try {
                s.shutdown(ErrorCodes.RELAY_SHUTTING_DOWN, "relay is shutting down");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        segments.close(); // the pool; segments replays still hold go back when they finish
    }
}
