package io.kfrelay.cluster;

import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.transport.RoomPlacement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * This relay as a member of a cluster (docs/CLUSTER.md): its record in the node registry, refreshed every
 * {@link ClusterConfig#refresh()}, and the ownership claims of the rooms it serves.
 *
 * <p>Rooms: the first JOIN of a room on this node claims it ({@link #place}); while the node serves the room it renews
 * the claim every refresh period; when the room's last session here ends the claim is released (compare-and-delete).
 * A JOIN for a room another node owns gets a REDIRECT to that node (ROOM_ELSEWHERE while it is not registered). <b>Fencing:</b> the node acts as a
 * room's owner (admits JOINs to it without asking the store) only until {@code sent + lease - lease/5}, where
 * {@code sent} is when its last successful claim or renewal was <em>sent</em>: Redis started the key's lease after
 * that, so the node stops strictly before the key can expire, whatever happened to the answers in between.
 *
 * <p><b>Store unreachable:</b> sessions already in rooms here are never touched (media does not depend on the
 * store). A JOIN that needs the store (a room this node does not own with a live lease) is refused
 * CLUSTER_UNAVAILABLE: a room is never placed without a claim, so no two nodes can both be its origin. Health reports
 * {@link #degraded() degraded}, not dead.
 *
 * <p>Threads: {@link #place} and {@link #left} come from the event loops and never wait for the store; the store's
 * answers, the renewals and the registry refresh run on one thread of its own ({@code kfrelay-cluster}). State is
 * guarded by this object's lock, never held across a store call's completion.
 */
public final class ClusterNode implements RoomPlacement, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    /** What other nodes and clients are told about this node. */
    public record Advertised(String ws, String quic, String quicPin, String admin) {
    }

    /** Where a client should go for a room ({@code GET /api/cluster/lookup}). */
    public record Lookup(String room, boolean here, boolean owned, String node, long epoch, String ws, String quic,
                         String quicPin) {
    }

    /** One room this node serves or is deciding about. */
    private static final class Claim {
        /** Sessions admitted here ({@link RoomPlacement.Here} answers not yet given back). */
        int refs;
        /** Sessions waiting for {@link #pending}. */
        int waiting;
        /** The decision in progress (a claim or a renewal), or null. */
        CompletableFuture<Verdict> pending;
        /** The claim's token while this node holds it (as far as it knows), else null. */
        String token;
        long epoch;
        /** Until when (clock nanos) this node may act as the owner. */
        long deadline;
    }

    private final ClusterStore store;
    private final ClusterConfig config;
    private final LongSupplier clock;
    private final ScheduledExecutorService executor;
    private final long leaseNanos;
    private final long marginNanos;
    private final Map<String, Claim> claims = new HashMap<>();
    /** The highest epoch seen per room: the floor of this node's next claim, so epochs never go back. */
    private final Map<String, Long> highestEpoch = new HashMap<>();
    private volatile String nodeId;
    private volatile long bootEpoch;
    private volatile Advertised advertised;
    private volatile BooleanSupplier draining = () -> false;
    private volatile boolean started;
    private volatile boolean closed;
    /** Clock nanos since when store commands fail (0: the last one succeeded), and the last failure. */
    private volatile long failingSince;
    private volatile String lastProblem;
    private boolean conflictLogged;
    private ScheduledFuture<?> timer;
    /** The serving nodes as the registry listed them at the last refresh, for {@link #nodesMessage()}; null until then. */
    private volatile ControlMessage.Nodes servingNodes;
    /** Releases on their way to the store: {@link #close} waits for them too. */
    private final java.util.Set<CompletableFuture<?>> releasing = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A node over {@code store}; nothing runs until {@link #start}. {@code clock} gives nanoseconds (tests: fake). */
    public ClusterNode(ClusterStore store, ClusterConfig config, LongSupplier clock) {
        this.store = store;
        this.config = config;
        this.clock = clock;
        this.leaseNanos = config.lease().toNanos();
        this.marginNanos = ClusterConfig.fenceMargin(config.lease()).toNanos();
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kfrelay-cluster");
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects to the configured store (Redis) and builds the node over it. */
    public static ClusterNode connect(ClusterConfig config) throws IOException {
        return new ClusterNode(RedisClusterStore.connect(config.store(), config.commandTimeout()), config,
                System::nanoTime);
    }

    /**
     * Takes a boot epoch, registers the node and, with {@code schedule}, starts refreshing the record and renewing
     * claims every refresh period.
     *
     * @throws IOException if the store does not answer
     */
    public void start(String id, Advertised advertise, BooleanSupplier isDraining, boolean schedule)
            throws IOException {
        nodeId = id;
        advertised = advertise;
        draining = isDraining;
        long wait = config.commandTimeout().toMillis() * 4;
        try {
            bootEpoch = store.nextBootEpoch(id).get(wait, TimeUnit.MILLISECONDS);
            started = true;
            if (!refreshNode().get(wait, TimeUnit.MILLISECONDS)) {
                throw new IOException("node id " + id + " is registered by a later start of another process: give "
                        + "each node its own --node-id");
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot register node " + id + " with the cluster store " + config.store() + ": "
                    + RedisClusterStore.message(e), e);
        }
        refreshServingNodes(); // the first list; the refresh timer keeps it current
        LOG.info("event=cluster_joined node={} boot={} ws={} quic={} store={}", id, bootEpoch, advertise.ws(),
                advertise.quic(), config.store());
        if (schedule) {
            long every = config.refresh().toNanos();
            timer = executor.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.NANOSECONDS);
        }
    }

    public String nodeId() {
        return nodeId;
    }

    public long bootEpoch() {
        return bootEpoch;
    }

    public Advertised advertised() {
        return advertised;
    }

    public ClusterConfig config() {
        return config;
    }

    public ClusterStore store() {
        return store;
    }

    // ------------------------------------------------------------------ placement (event loops)

    @Override
    public CompletableFuture<Verdict> place(String room) {
        CompletableFuture<Verdict> decision;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.completedFuture(new Refuse(ErrorCodes.RELAY_SHUTTING_DOWN,
                        "relay is shutting down"));
            }
            if (!started) {
                return CompletableFuture.completedFuture(unavailable(room, "the relay is still joining its cluster"));
            }
            Claim c = claims.computeIfAbsent(room, r -> new Claim());
            if (c.pending != null) {
                c.waiting++;
                return c.pending;
            }
            if (c.token != null && clock.getAsLong() - c.deadline < 0) {
                c.refs++;
                return CompletableFuture.completedFuture(HERE); // owned, lease live: no store round trip
            }
            c.waiting++;
            decision = c.pending = new CompletableFuture<>();
        }
        decide(room, decision);
        return decision;
    }

    @Override
    public void left(String room) {
        String token = null;
        synchronized (this) {
            Claim c = claims.get(room);
            if (c == null) {
                return;
            }
            c.refs--;
            if (c.refs <= 0 && c.waiting == 0 && c.pending == null) {
                claims.remove(room);
                token = c.token;
            }
        }
        if (token != null && !closed) {
            CompletableFuture<Boolean> release = track(store.release(room, token));
            releasing.add(release);
            release.whenComplete((ok, e) -> releasing.remove(release));
            release.whenCompleteAsync((ok, e) -> {
                if (e != null) {
                    LOG.warn("event=cluster_release_failed room={} error=\"{}\": the claim lapses after its lease",
                            room, RedisClusterStore.message(e));
                } else {
                    LOG.info("event=cluster_room_released room={} released={}", room, ok);
                }
            }, executor);
        }
    }

    /**
     * Whether this node may act as {@code room}'s owner now: it holds the claim and the local deadline (fencing) has
     * not passed.
     */
    public synchronized boolean isOwner(String room) {
        Claim c = claims.get(room);
        return c != null && c.token != null && clock.getAsLong() - c.deadline < 0;
    }

    /** The epoch of this node's claim on {@code room}, or 0. */
    public synchronized long epoch(String room) {
        Claim c = claims.get(room);
        return c == null || c.token == null ? 0 : c.epoch;
    }

    /**
     * Decides a room this node does not own with a live lease: renew first if it holds a token (a lapsed local
     * deadline), else claim. Completes {@code decision} on the cluster thread.
     */
    private void decide(String room, CompletableFuture<Verdict> decision) {
        String token;
        long floor;
        synchronized (this) {
            Claim c = claims.get(room);
            token = c == null ? null : c.token;
            floor = highestEpoch.getOrDefault(room, 0L);
        }
        long sent = clock.getAsLong();
        if (token != null) {
            track(store.renew(room, token, config.lease())).whenCompleteAsync((ok, e) -> {
                if (e != null) {
                    finish(room, decision, unavailable(room, RedisClusterStore.message(e)));
                } else if (ok) {
                    synchronized (this) {
                        Claim c = claims.get(room);
                        if (c != null && token.equals(c.token)) {
                            c.deadline = sent + leaseNanos - marginNanos;
                        }
                    }
                    finish(room, decision, HERE);
                } else {
                    lost(room, token);
                    claim(room, decision);
                }
            }, executor);
        } else {
            claim(room, decision);
        }
    }

    private void claim(String room, CompletableFuture<Verdict> decision) {
        long floor;
        synchronized (this) {
            floor = highestEpoch.getOrDefault(room, 0L);
        }
        String token = UUID.randomUUID().toString();
        long sent = clock.getAsLong();
        track(store.claim(room, nodeId, token, floor, config.lease())).whenCompleteAsync((r, e) -> {
            if (e != null) {
                finish(room, decision, unavailable(room, RedisClusterStore.message(e)));
                return;
            }
            switch (r) {
                case ClaimResult.Claimed(long epoch) -> {
                    synchronized (this) {
                        seen(room, epoch);
                        Claim c = claims.get(room);
                        if (c != null) {
                            c.token = token;
                            c.epoch = epoch;
                            c.deadline = sent + leaseNanos - marginNanos;
                        }
                    }
                    LOG.info("event=cluster_room_claimed room={} epoch={}", room, epoch);
                    finish(room, decision, HERE);
                }
                case ClaimResult.Held(RoomOwner owner) -> {
                    synchronized (this) {
                        seen(room, owner.epoch());
                    }
                    store.node(owner.node()).whenCompleteAsync((node, e2) ->
                            finish(room, decision, elsewhere(owner, node)), executor);
                }
            }
        }, executor);
    }

    /** The decision is made: waiters become sessions (Here) or are refused; an unused entry goes. */
    private void finish(String room, CompletableFuture<Verdict> decision, Verdict verdict) {
        String release = null;
        synchronized (this) {
            Claim c = claims.get(room);
            if (c != null && c.pending == decision) {
                c.pending = null;
                if (verdict instanceof Here) {
                    c.refs += c.waiting;
                } else if (c.refs <= 0) {
                    claims.remove(room);
                    release = c.token; // a claim nobody uses (it was renewed for waiters that were refused)
                }
                c.waiting = 0;
                if (closed && verdict instanceof Here && c.refs <= 0) {
                    claims.remove(room);
                    release = c.token;
                }
            }
        }
        if (release != null) {
            track(store.release(room, release));
        }
        decision.complete(verdict);
    }

    /**
     * A REDIRECT to the owner's advertised URLs; without a registered owner (it may have just stopped) there is
     * nowhere to send the client, so the JOIN is refused ROOM_ELSEWHERE and the client retries.
     */
    private Verdict elsewhere(RoomOwner owner, NodeRecord node) {
        if (node != null && !node.ws().isEmpty()) {
            return new Redirect(new ControlMessage.Redirect(ControlMessage.Redirect.ROOM_ELSEWHERE, owner.epoch(),
                    owner.node(), node.ws(), nz(node.quic()), nz(node.quicPin())));
        }
        String where = ", which is not registered now (it may have just stopped): retry shortly";
        return new Refuse(ErrorCodes.ROOM_ELSEWHERE, "room '" + owner.room() + "' is served by node " + owner.node()
                + " (epoch " + owner.epoch() + ")" + where);
    }

    private Verdict unavailable(String room, String why) {
        return new Refuse(ErrorCodes.CLUSTER_UNAVAILABLE, "this relay cannot place room '" + room
                + "' now: its cluster store does not answer (" + why + "); retry shortly");
    }

    /** Lock held. */
    private void seen(String room, long epoch) {
        highestEpoch.merge(room, epoch, Math::max);
    }

    /** The claim under {@code token} is gone (expired or taken): this node no longer owns the room. */
    private void lost(String room, String token) {
        synchronized (this) {
            Claim c = claims.get(room);
            if (c == null || !token.equals(c.token)) {
                return;
            }
            c.token = null;
        }
        LOG.warn("event=cluster_claim_lost room={}: the claim expired or another node took it; this node no longer "
                + "acts as the room's owner (its sessions stay)", room);
    }

    // ------------------------------------------------------------------ periodic: registry and renewals

    /** One refresh period: the node record, and every claim renewed (or re-claimed if lost while in use). */
    public CompletableFuture<Void> tick() {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<?>> all = new ArrayList<>();
        all.add(refreshNode().exceptionally(e -> false));
        all.add(refreshServingNodes());
        List<Map.Entry<String, String>> renew = new ArrayList<>();
        List<String> reclaim = new ArrayList<>();
        synchronized (this) {
            claims.forEach((room, c) -> {
                if (c.pending == null && c.token != null) {
                    renew.add(Map.entry(room, c.token));
                } else if (c.pending == null && c.refs > 0) {
                    reclaim.add(room);
                }
            });
        }
        for (Map.Entry<String, String> r : renew) {
            String room = r.getKey();
            String token = r.getValue();
            long sent = clock.getAsLong();
            all.add(track(store.renew(room, token, config.lease())).handleAsync((ok, e) -> {
                if (e == null && ok) {
                    synchronized (this) {
                        Claim c = claims.get(room);
                        if (c != null && token.equals(c.token)) {
                            c.deadline = sent + leaseNanos - marginNanos;
                        }
                    }
                } else if (e == null) {
                    lost(room, token);
                }
                return null;
            }, executor));
        }
        for (String room : reclaim) {
            // A room in use here whose claim was lost (Redis restarted empty, or the claim lapsed during an outage):
            // claim it again, with this node's highest epoch as the floor. Held by another node: it stays unowned.
            CompletableFuture<Verdict> d;
            synchronized (this) {
                Claim c = claims.get(room);
                if (c == null || c.pending != null || c.token != null) {
                    continue;
                }
                d = c.pending = new CompletableFuture<>();
            }
            claim(room, d);
            all.add(d);
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Boolean> refreshNode() {
        long participants;
        long rooms;
        synchronized (this) {
            participants = claims.values().stream().mapToLong(c -> Math.max(0, c.refs)).sum();
            rooms = claims.values().stream().filter(c -> c.token != null).count();
        }
        Advertised a = advertised;
        NodeRecord record = new NodeRecord(nodeId, a.ws(), nz(a.quic()), nz(a.quicPin()), nz(a.admin()),
                draining.getAsBoolean() ? NodeRecord.DRAINING : NodeRecord.SERVING, participants, rooms, bootEpoch, -1);
        return track(store.putNode(record, config.nodeTtl())).whenComplete((ok, e) -> {
            if (e == null && !ok && !conflictLogged) {
                conflictLogged = true;
                LOG.error("event=cluster_node_conflict node={} boot={}: a later start of this node id holds the "
                        + "registry record: two processes run as one node (give each its own --node-id)", nodeId,
                        bootEpoch);
            }
        });
    }

    /**
     * Reads the registry and keeps its serving nodes for {@link #nodesMessage()}, so a JOIN never waits for the store for
     * them. A failed read keeps the last list (the nodes a client already could be told).
     */
    private CompletableFuture<Void> refreshServingNodes() {
        return track(store.nodes()).thenAccept(records -> servingNodes = new ControlMessage.Nodes(records.stream()
                        .filter(n -> NodeRecord.SERVING.equals(n.state()))
                        .sorted(java.util.Comparator.comparing(NodeRecord::id))
                        .limit(ControlMessage.MAX_U16)
                        .map(n -> new ControlMessage.NodeAddress(n.id(), n.ws(), n.quic(), n.quicPin()))
                        .toList()))
                .exceptionally(e -> null);
    }

    /** The cluster's serving nodes at the last refresh (this one included), or null before the first one. */
    @Override
    public ControlMessage.Nodes nodesMessage() {
        return servingNodes;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    // ------------------------------------------------------------------ store health

    /** Records each store command's outcome: the node is degraded while they fail. */
    private <T> CompletableFuture<T> track(CompletableFuture<T> f) {
        return f.whenComplete((v, e) -> {
            if (e == null) {
                if (failingSince != 0) {
                    LOG.info("event=cluster_store_reachable store={}", config.store());
                }
                failingSince = 0;
            } else {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                lastProblem = RedisClusterStore.message(cause);
                if (failingSince == 0) {
                    failingSince = clock.getAsLong() | 1;
                    LOG.warn("event=cluster_store_unreachable store={} error=\"{}\": rooms served here go on; JOINs "
                            + "that need the store are refused CLUSTER_UNAVAILABLE until it answers", config.store(),
                            lastProblem);
                }
            }
        });
    }

    /** Null while the store answers; else why the node is degraded (health endpoints say so, with status 200). */
    public String degraded() {
        long since = failingSince;
        if (since == 0) {
            return null;
        }
        long seconds = Duration.ofNanos(clock.getAsLong() - since).toSeconds();
        return "cluster store " + config.store() + " unreachable for " + seconds + " s (" + lastProblem
                + "): rooms served here go on, new rooms are refused";
    }

    // ------------------------------------------------------------------ lookups (admin)

    /** Where a client should go for {@code room}. */
    public CompletableFuture<Lookup> lookup(String room) {
        Advertised self = advertised;
        if (isOwner(room)) {
            return CompletableFuture.completedFuture(new Lookup(room, true, true, nodeId, epoch(room), self.ws(),
                    self.quic(), self.quicPin()));
        }
        return track(store.owner(room)).thenCompose(owner -> {
            if (owner == null) {
                // Nobody owns it: a JOIN here would claim it.
                return CompletableFuture.completedFuture(new Lookup(room, true, false, nodeId, 0, self.ws(),
                        self.quic(), self.quicPin()));
            }
            if (owner.node().equals(nodeId)) {
                return CompletableFuture.completedFuture(new Lookup(room, true, true, nodeId, owner.epoch(),
                        self.ws(), self.quic(), self.quicPin()));
            }
            return store.node(owner.node()).thenApply(n -> new Lookup(room, false, true, owner.node(),
                    owner.epoch(), n == null ? null : n.ws(), n == null ? null : n.quic(),
                    n == null ? null : n.quicPin()));
        });
    }

    public CompletableFuture<List<NodeRecord>> nodes() {
        return track(store.nodes());
    }

    // ------------------------------------------------------------------ stop

    /**
     * Leaves the cluster: stops the timer, releases every claim and removes the node's record (both
     * compare-and-delete), waiting at most about a second for the store, then closes it.
     */
    @Override
    public void close() {
        List<CompletableFuture<?>> all = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (timer != null) {
                timer.cancel(false);
            }
            claims.forEach((room, c) -> {
                if (c.token != null) {
                    all.add(store.release(room, c.token));
                }
            });
            claims.clear();
        }
        all.addAll(releasing);
        if (started) {
            all.add(store.removeNode(nodeId, bootEpoch));
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(1, TimeUnit.SECONDS);
            LOG.info("event=cluster_left node={}", nodeId);
        } catch (Exception e) {
            LOG.warn("event=cluster_leave_incomplete node={} error=\"{}\": claims and the record lapse on their own",
                    nodeId, RedisClusterStore.message(e));
        }
        executor.shutdownNow();
        store.close();
    }
}
