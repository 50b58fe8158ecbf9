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
        /** Of {@link #refs}: receivers served here (the origin's load limit), and edge relays joined here. */
        int receivers;
        int edges;
        /** The store says this origin is full of receivers (set when it sent one elsewhere). */
        boolean markedFull;
    }

    private final ClusterStore store;
    private final ClusterConfig config;
    private final LongSupplier clock;
    private final ScheduledExecutorService executor;
    private final long leaseNanos;
    private final long marginNanos;
    private final Map<String, Claim> claims = new HashMap<>();
    /** Rooms this node relays as an edge, by room (lock held). */
    private final Map<String, EdgeLink> links = new HashMap<>();
    private final ClusterMetrics metrics = new ClusterMetrics();
    /** The relay's core, where edge links create their stand-ins (null: this node relays for nobody). */
    private volatile io.kfrelay.pipeline.RelayCore core;
    private volatile EdgeCredentials credentials;
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
    /** Ends the sessions of a room another node took (null: nobody to tell, e.g. unit tests). */
    private volatile SessionMover mover;
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
            credentials = new EdgeCredentials(store.clusterKey().get(wait, TimeUnit.MILLISECONDS),
                    System::currentTimeMillis);
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

    /**
     * Lets this node relay rooms as an edge through {@code relayCore} (docs/CLUSTER.md, cascade); without it, a
     * receiver for a room owned elsewhere is always sent to the origin.
     */
    public void cascade(io.kfrelay.pipeline.RelayCore relayCore) {
        this.core = relayCore;
        metrics.gauges(this::roomsOwned, this::roomsRelayed, this::edgesServed);
    }

    /** The node's cluster counters, for /metrics. */
    public ClusterMetrics metrics() {
        return metrics;
    }

    private synchronized long roomsOwned() {
        return claims.values().stream().filter(c -> c.token != null).count();
    }

    private synchronized long roomsRelayed() {
        return links.size();
    }

    private synchronized long edgesServed() {
        return claims.values().stream().mapToLong(c -> c.edges).sum();
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
    public RelayJoin relayJoin(String room, String token) {
        if (!EdgeCredentials.isCredential(token)) {
            return null;
        }
        EdgeCredentials c = credentials;
        return c == null ? new InvalidCredential("this relay has not joined its cluster yet") : c.verify(room, token);
    }

    /** A credential for this node's edge link to {@code room}'s origin at {@code epoch}. */
    String credential(String room, long epoch) {
        return credentials.issue(room, nodeId, epoch);
    }

    @Override
    public CompletableFuture<Verdict> place(Request request) {
        String room = request.room();
        synchronized (this) {
            Verdict notNow = notPlacing(room);
            if (notNow != null) {
                return CompletableFuture.completedFuture(notNow);
            }
            switch (request.role()) {
                case EDGE -> {
                    return CompletableFuture.completedFuture(edgeJoin(room, request.epoch()));
                }
                case RECEIVER -> {
                    CompletableFuture<Verdict> v = placeReceiver(room);
                    return v != null ? v : placeParticipant(room).thenApply(verdict -> servedAsReceiver(room, verdict));
                }
                case PARTICIPANT -> {
                }
            }
        }
        return placeParticipant(room);
    }

    /** An edge relay's JOIN (lock held): only the origin takes it, and only at its own epoch. */
    private Verdict edgeJoin(String room, long epoch) {
        Claim c = claims.get(room);
        if (c == null || c.token == null || clock.getAsLong() - c.deadline >= 0) {
            return new Refuse(ErrorCodes.STALE_EPOCH, "node " + nodeId + " is not the origin of room '" + room
                    + "' now: look the owner up again");
        }
        if (c.epoch != epoch) {
            return new Refuse(ErrorCodes.STALE_EPOCH, "room '" + room + "' is at epoch " + c.epoch + " here, the edge "
                    + "named epoch " + epoch);
        }
        c.refs++;
        c.edges++;
        return HERE;
    }

    /**
     * A receiver (lock held): served here when this node is the room's origin or already relays it, up to
     * {@code maxReceivers}; beyond, sent to an edge or the least-loaded node. Null: this node neither owns nor relays
     * the room, and the store decides ({@link #placeElsewhere}) unless this node may not relay at all.
     */
    private CompletableFuture<Verdict> placeReceiver(String room) {
        int max = config.maxReceivers();
        EdgeLink link = links.get(room);
        if (link != null && link.isUp()) {
            if (link.refs < max) {
                link.refs++;
                publishEdgeLoad(room); // placement elsewhere sees it soon, not at the next refresh
                return CompletableFuture.completedFuture(HERE);
            }
            return overflow(room, link.origin().node(), null, link);
        }
        Claim c = claims.get(room);
        if (c != null && c.token != null && c.pending == null && clock.getAsLong() - c.deadline < 0) {
            if (c.receivers < max) {
                c.refs++;
                countReceiver(room, c);
                return CompletableFuture.completedFuture(HERE);
            }
            return overflow(room, nodeId, c, null);
        }
        if (link != null && !link.ready().isDone()) {
            // The link is being set up: ask again once it is (up: served here; failed: decided anew).
            return link.ready().handle((v, e) -> null).thenCompose(x -> place(new Request(room, Role.RECEIVER, 0)));
        }
        if (core == null) {
            return null;
        }
        CompletableFuture<Verdict> inFlight = elsewhere.get(room);
        // A completed decision is still in the map while its dependents run (they run before its own clean-up):
        // waiting on it again would recurse without end, so a waiter that asks again then starts a decision anew.
        if (inFlight != null && !inFlight.isDone()) {
            // Another receiver's decision for this room is under way (a join storm): share it, then ask again (the
            // link it makes serves them all), rather than one round of store reads per joiner.
            return inFlight.handle((v, e) -> null).thenCompose(x -> place(new Request(room, Role.RECEIVER, 0)));
        }
        CompletableFuture<Verdict> decision = new CompletableFuture<>();
        elsewhere.put(room, decision);
        decision.whenComplete((v, e) -> {
            synchronized (this) {
                elsewhere.remove(room, decision);
            }
        });
        executor.execute(() -> placeElsewhere(room, decision));
        return decision;
    }

    /** Receiver decisions under way per room for rooms this node neither owns nor relays (lock held). */
    private final Map<String, CompletableFuture<Verdict>> elsewhere = new HashMap<>();

    /** Writes this edge's receiver count for {@code room} to the store, at most one write in flight per room. */
    private void publishEdgeLoad(String room) {
        long receivers;
        synchronized (this) {
            if (!edgeLoadWriting.add(room)) {
                edgeLoadDirty.add(room);
                return;
            }
            EdgeLink link = links.get(room);
            receivers = link == null ? 0 : link.refs;
        }
        CompletableFuture<Void> write = receivers == 0 ? store.dropEdge(room, nodeId)
                : store.putEdge(room, nodeId, receivers, config.nodeTtl());
        track(write).whenCompleteAsync((v, e) -> {
            boolean again;
            synchronized (this) {
                edgeLoadWriting.remove(room);
                again = edgeLoadDirty.remove(room);
            }
            if (again && !closed) {
                publishEdgeLoad(room);
            }
        }, executor);
    }

    private final java.util.Set<String> edgeLoadWriting = new java.util.HashSet<>();
    private final java.util.Set<String> edgeLoadDirty = new java.util.HashSet<>();

    /**
     * A receiver for a room this node neither owns nor relays (cluster thread): nobody owns it, or this node does
     * after all, then as any participant; the origin has room, then there; else at an edge with room, else here as a
     * new edge.
     */
    private void placeElsewhere(String room, CompletableFuture<Verdict> decision) {
        track(store.owner(room)).thenCompose(owner -> {
            if (owner == null || owner.node().equals(nodeId)) {
                return placeParticipant(room).thenApply(v -> servedAsReceiver(room, v));
            }
            synchronized (this) {
                seen(room, owner.epoch());
            }
            if (!owner.full()) {
                return store.node(owner.node()).thenApply(n -> {
                    metrics.redirected(false);
                    return elsewhere(owner, n);
                });
            }
            return store.edges(room).thenCombine(store.nodes(), (edges, nodes) -> {
                NodeRecord target = pickEdge(edges, nodes, owner.node());
                if (target != null) {
                    metrics.redirected(true);
                    return CompletableFuture.<Verdict>completedFuture(redirect(ControlMessage.Redirect.LOAD,
                            owner.epoch(), target));
                }
                NodeRecord origin = nodes.stream().filter(n -> n.id().equals(owner.node())).findFirst().orElse(null);
                if (origin == null || origin.quic().isEmpty()) {
                    return CompletableFuture.<Verdict>completedFuture(elsewhere(owner, origin));
                }
                return becomeEdge(room, owner, origin);
            }).thenCompose(f -> f);
        }).whenComplete((v, e) -> decision.complete(v != null ? v
                : unavailable(room, e == null ? "no answer" : RedisClusterStore.message(e))));
    }

    /** A receiver that claimed the room (or found it owned here) counts against the origin's limit. */
    private Verdict servedAsReceiver(String room, Verdict verdict) {
        if (verdict instanceof Here) {
            synchronized (this) {
                Claim c = claims.get(room);
                if (c != null) {
                    countReceiver(room, c);
                }
            }
        }
        return verdict;
    }

    /**
     * Lock held: one more receiver served at this origin. At the limit the store hears at once that the origin is
     * full, so the next receivers asking another node are served at edges without coming here first.
     */
    private void countReceiver(String room, Claim c) {
        c.receivers++;
        if (c.receivers >= config.maxReceivers() && !c.markedFull && c.token != null) {
            c.markedFull = true;
            track(store.markFull(room, c.token, true));
        }
    }

    /** Relays {@code room} from {@code origin} here, and serves the receiver once the link is up. */
    private CompletableFuture<Verdict> becomeEdge(String room, RoomOwner owner, NodeRecord origin) {
        EdgeLink link;
        synchronized (this) {
            EdgeLink current = links.get(room);
            link = current;
            if (current == null || !sameClaim(current.origin(), owner) || (current.ready().isDone() && !current.isUp())) {
                link = new EdgeLink(room, owner, origin, core, linkNode, metrics);
                if (current != null) {
                    link.refs = current.refs; // receivers attached to a link that failed move to the new one
                    current.close();
                }
                links.put(room, link);
                link.start();
            }
        }
        EdgeLink l = link;
        return l.ready().handle((v, e) -> {
            if (e != null) {
                metrics.redirected(false);
                return elsewhere(owner, origin); // the origin itself, rather than nothing
            }
            synchronized (this) {
                l.refs++;
            }
            publishEdgeLoad(room);
            return HERE;
        });
    }

    /**
     * This node serves as many receivers of {@code room} as it may: the receiver goes to an edge with room, else to
     * the least-loaded other node (LOAD), else (nowhere better) it is served here anyway. An origin first marks
     * itself full in the store, so the node it sends the receiver to relays rather than sending it back.
     */
    private CompletableFuture<Verdict> overflow(String room, String originNode, Claim owned, EdgeLink link) {
        CompletableFuture<Verdict> decision = new CompletableFuture<>();
        long epoch = owned != null ? owned.epoch : link.origin().epoch();
        String token = owned != null ? owned.token : null;
        executor.execute(() -> {
            CompletableFuture<Boolean> marked = token == null ? CompletableFuture.completedFuture(true)
                    : track(store.markFull(room, token, true));
            marked.thenCompose(ok -> {
                if (owned != null) {
                    synchronized (this) {
                        owned.markedFull = true;
                    }
                }
                return store.edges(room).thenCombine(store.nodes(), (edges, nodes) -> {
                    NodeRecord target = pickEdge(edges, nodes, originNode);
                    if (target == null) {
                        target = ServingNodes.leastLoaded(nodes.stream().filter(n -> !n.id().equals(originNode))
                                .toList(), nodeId).orElse(null);
                    }
                    return target;
                });
            }).whenComplete((target, e) -> {
                if (target != null) {
                    metrics.redirected(true);
                    decision.complete(redirect(ControlMessage.Redirect.LOAD, epoch, target));
                    return;
                }
                synchronized (this) { // nowhere better (or the store did not answer): here, over the limit
                    if (owned != null) {
                        owned.refs++;
                        owned.receivers++;
                    } else {
                        link.refs++;
                    }
                }
                decision.complete(HERE);
            });
        });
        return decision;
    }

    /** The edge of the room with the fewest receivers under the limit, serving, not this node nor the origin. */
    private NodeRecord pickEdge(List<ClusterStore.Edge> edges, List<NodeRecord> nodes, String originNode) {
        Map<String, NodeRecord> byId = new HashMap<>();
        nodes.forEach(n -> byId.put(n.id(), n));
        return edges.stream()
                .filter(e -> e.receivers() < config.maxReceivers() && !e.node().equals(nodeId)
                        && !e.node().equals(originNode))
                .filter(e -> ServingNodes.takesClients(byId.get(e.node())))
                .min(java.util.Comparator.comparingLong(ClusterStore.Edge::receivers))
                .map(e -> byId.get(e.node())).orElse(null);
    }

    private static boolean sameClaim(RoomOwner a, RoomOwner b) {
        return a.node().equals(b.node()) && a.epoch() == b.epoch();
    }

    private static Verdict redirect(int reason, long epoch, NodeRecord target) {
        return new Redirect(new ControlMessage.Redirect(reason, epoch, target.id(), target.ws(), nz(target.quic()),
                nz(target.quicPin())));
    }

    /** What edge links ask of this node. */
    private final EdgeLink.Node linkNode = new EdgeLink.Node() {
        @Override
        public String nodeId() {
            return nodeId;
        }

        @Override
        public String credential(String room, long epoch) {
            return ClusterNode.this.credential(room, epoch);
        }

        @Override
        public void linkLost(EdgeLink link, Throwable cause) {
            metrics.linkLost();
            executor.schedule(() -> relink(link, 0), RELINK_FIRST_MILLIS, TimeUnit.MILLISECONDS);
        }
    };

    /** A room's owner and its registry record (null when it is this node, or not registered). */
    private record OwnerAt(RoomOwner owner, NodeRecord node) {
    }

    private static final long RELINK_FIRST_MILLIS = 200;
    private static final long RELINK_MAX_MILLIS = 2000;

    /**
     * A link is gone while receivers are here (cluster thread): follow the room to its owner now, with a new link;
     * if this node owns it now, its receivers stay as the origin's; if nobody owns it yet (the publishers are on
     * their way to another node), look again after a back-off, as long as receivers are here.
     */
    private void relink(EdgeLink lost, int attempt) {
        String room = lost.room();
        synchronized (this) {
            if (closed || links.get(room) != lost) {
                return; // replaced already, or dropped
            }
            if (lost.refs <= 0) {
                links.remove(room);
                track(store.dropEdge(room, nodeId));
                return;
            }
        }
        long retry = Math.min(RELINK_MAX_MILLIS, RELINK_FIRST_MILLIS << Math.min(attempt + 1, 4));
        track(store.owner(room)).thenCompose(owner -> owner == null || owner.node().equals(nodeId)
                ? CompletableFuture.completedFuture(new OwnerAt(owner, null))
                : store.node(owner.node()).thenApply(n -> new OwnerAt(owner, n))).whenCompleteAsync((found, e) -> {
            RoomOwner owner = found == null ? null : found.owner();
            NodeRecord origin = found == null ? null : found.node();
            synchronized (this) {
                if (closed || links.get(room) != lost) {
                    return;
                }
                if (owner != null && owner.node().equals(nodeId)) {
                    // This node owns the room now: its receivers are the origin's.
                    links.remove(room);
                    Claim c = claims.computeIfAbsent(room, r -> new Claim());
                    c.refs += lost.refs;
                    c.receivers += lost.refs;
                    LOG.info("event=edge_became_origin room={} epoch={}", room, owner.epoch());
                    return;
                }
                if (owner != null && origin != null && !origin.quic().isEmpty()) {
                    seen(room, owner.epoch());
                    EdgeLink next = new EdgeLink(room, owner, origin, core, linkNode, metrics);
                    next.refs = lost.refs;
                    links.put(room, next);
                    LOG.info("event=edge_relink room={} origin={} epoch={}", room, owner.node(), owner.epoch());
                    next.start();
                    return;
                }
            }
            executor.schedule(() -> relink(lost, attempt + 1), retry, TimeUnit.MILLISECONDS);
        }, executor);
    }

    /** Lock held: why this node places no JOIN now (stopping, or not in its cluster yet), or null. */
    private Verdict notPlacing(String room) {
        if (closed) {
            return new Refuse(ErrorCodes.RELAY_SHUTTING_DOWN, "relay is shutting down");
        }
        return started ? null : unavailable(room, "the relay is still joining its cluster");
    }

    private CompletableFuture<Verdict> placeParticipant(String room) {
        CompletableFuture<Verdict> decision;
        synchronized (this) {
            Verdict notNow = notPlacing(room);
            if (notNow != null) {
                return CompletableFuture.completedFuture(notNow);
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
    public void left(Request request) {
        String room = request.room();
        String token = null;
        synchronized (this) {
            EdgeLink link = links.get(room);
            if (request.role() == Role.RECEIVER && link != null && link.refs > 0) {
                if (--link.refs == 0) {
                    links.remove(room);
                    link.close();
                    if (!closed) {
                        track(store.dropEdge(room, nodeId));
                    }
                } else if (!closed && link.isUp()) {
                    publishEdgeLoad(room);
                }
                return;
            }
            Claim c = claims.get(room);
            if (c == null) {
                return;
            }
            if (request.role() == Role.RECEIVER) {
                c.receivers = Math.max(0, c.receivers - 1);
            } else if (request.role() == Role.EDGE) {
                c.edges = Math.max(0, c.edges - 1);
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
                    store.node(owner.node()).whenCompleteAsync((node, e2) -> {
                        Verdict where = elsewhere(owner, node);
                        handOver(room, where);
                        finish(room, decision, where);
                    }, executor);
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
                + "acts as the room's owner (it claims the room again; if another node holds it, the sessions here "
                + "are moved there)", room);
    }

    /**
     * Another node holds {@code room} (a claim was answered with it): sessions still here must not go on as if this
     * node were the origin, so each gets {@code where} (the REDIRECT to the owner, or ERROR 140 ROOM_ELSEWHERE when
     * the owner is not registered) and is closed.
     */
    private void handOver(String room, Verdict where) {
        SessionMover m = mover;
        synchronized (this) {
            Claim c = claims.get(room);
            if (m == null || c == null || c.refs <= 0 || c.token != null) {
                return;
            }
        }
        switch (where) {
            case Redirect r -> m.move(room, r.message(), SessionMover.Why.ROOM_LOST);
            case Refuse(int code, String reason) -> m.move(room, new ControlMessage.Error(code, reason),
                    SessionMover.Why.ROOM_LOST);
            case Here h -> {
            }
        }
    }

    /** Where the sessions of rooms another node took are ended ({@link #handOver}); set before {@link #start}. */
    public void moveSessionsWith(SessionMover sessions) {
        mover = sessions;
    }

    /**
     * Draining: gives up this node's claim on {@code room} (compare-and-delete), so the node its clients are sent to
     * can claim it. The room's sessions here keep their references; the claim is not renewed or taken again.
     * Completes with whether a claim was released.
     */
    public CompletableFuture<Boolean> giveUp(String room) {
        String token;
        synchronized (this) {
            Claim c = claims.get(room);
            if (c == null || c.token == null || c.pending != null) {
                return CompletableFuture.completedFuture(false);
            }
            token = c.token;
            c.token = null;
        }
        return track(store.release(room, token)).whenComplete((ok, e) ->
                LOG.info("event=cluster_room_given_up room={} released={}", room, e == null && ok));
    }

    /** The rooms this node serves sessions in, holds a claim on, or relays as an edge. */
    public synchronized List<String> servedRooms() {
        List<String> out = new ArrayList<>();
        claims.forEach((room, c) -> {
            if (c.refs > 0 || c.token != null) {
                out.add(room);
            }
        });
        links.forEach((room, link) -> {
            if (link.refs > 0 && !out.contains(room)) {
                out.add(room);
            }
        });
        return out;
    }

    /** Writes the node's record now (its state changed: draining), not at the next refresh. */
    public CompletableFuture<Boolean> refreshNow() {
        return refreshNode();
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
            links.forEach((room, link) -> {
                if (link.isUp()) {
                    all.add(track(store.putEdge(room, nodeId, link.refs, config.nodeTtl())).exceptionally(e -> null));
                    // The room changed hands (a paused origin lost it, or failover): follow it now. The same origin
                    // at a higher epoch (it claimed the room again after Redis restarted empty) is the same room
                    // state in the same process: the link stays, media never stops.
                    all.add(track(store.owner(room)).thenAcceptAsync(o -> {
                        if (o != null && !o.node().equals(link.origin().node())) {
                            LOG.info("event=edge_origin_moved room={} from={}@{} to={}@{}", room, link.origin().node(),
                                    link.origin().epoch(), o.node(), o.epoch());
                            link.close();
                            metrics.linkLost();
                            relink(link, 0);
                        }
                    }, executor).exceptionally(e -> null));
                }
            });
            claims.forEach((room, c) -> {
                if (c.markedFull && c.token != null && c.receivers < config.maxReceivers()) {
                    c.markedFull = false; // room again at the origin: receivers go there first
                    all.add(track(store.markFull(room, c.token, false)).exceptionally(e -> false));
                }
            });
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
                    return reclaim(room); // at once: if another node holds it, the sessions here move there now
                }
                return null;
            }, executor).thenCompose(again -> again == null ? CompletableFuture.completedFuture(null) : again));
        }
        for (String room : reclaim) {
            CompletableFuture<Verdict> d = reclaim(room);
            if (d != null) {
                all.add(d);
            }
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /**
     * A room in use here whose claim was lost (Redis restarted empty, the claim lapsed during an outage or a pause):
     * claims it again, with this node's highest epoch as the floor. Held by another node: the sessions here are
     * moved to it ({@link #handOver}). Not while draining (the node gives its rooms away). Null when there is
     * nothing to do.
     */
    private CompletableFuture<Verdict> reclaim(String room) {
        if (draining.getAsBoolean()) {
            return null;
        }
        CompletableFuture<Verdict> d;
        synchronized (this) {
            Claim c = claims.get(room);
            if (closed || c == null || c.pending != null || c.token != null || c.refs <= 0) {
                return null;
            }
            d = c.pending = new CompletableFuture<>();
        }
        claim(room, d);
        return d;
    }

    private CompletableFuture<Boolean> refreshNode() {
        long participants;
        long rooms;
        synchronized (this) {
            participants = claims.values().stream().mapToLong(c -> Math.max(0, c.refs)).sum()
                    + links.values().stream().mapToLong(l -> Math.max(0, l.refs)).sum();
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
            links.forEach((room, link) -> {
                link.close();
                all.add(store.dropEdge(room, nodeId));
            });
            links.clear();
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
