package io.kfrelay.cluster;

import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.transport.RoomPlacement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A cluster node's placement, and its drain ({@code POST /api/drain}, docs/CLUSTER.md "Drain"). Until the drain the
 * node's own placement answers every JOIN. From the drain on:
 *
 * <ul>
 *   <li>the node's registry state is {@code draining} at once (other nodes never choose it: {@link ServingNodes});
 *   <li>a JOIN here gets REDIRECT {@code DRAINING} to the room's owner if another node owns it, else to the
 *       least-loaded serving node (a room this node owns is released first, so the target can claim it); with no
 *       serving node left it is refused RELAY_SHUTTING_DOWN;
 *   <li>every room served here is handed over the same way: its claim released (compare-and-delete), then each of
 *       its sessions gets that REDIRECT and is closed;
 *   <li>when no session is left, or the deadline passes, {@link #drained()} completes: the process stops (what is
 *       left gets RELAY_SHUTTING_DOWN) and its record is removed.
 * </ul>
 *
 * Nothing here runs on an event loop or a shard thread: the hand-over runs on a thread of its own
 * ({@code kfrelay-drain}), the store's answers on the node's.
 */
public final class ClusterDrain implements RoomPlacement, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterDrain.class);
    /** How long a drain may take when {@code POST /api/drain} names no deadline. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
    /** The longest deadline a drain may be given. */
    public static final Duration MAX_DEADLINE = Duration.ofHours(1);
    /** How often a drain checks what is left (and hands over sessions that joined meanwhile). */
    private static final long CHECK_MILLIS = 250;

    private final ClusterNode node;
    private final RelayCore core;
    private final SessionMover mover;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile boolean draining;
    private ScheduledExecutorService executor;
    private long startedNanos;
    private long deadlineNanos;
    private boolean handingOver;

    public ClusterDrain(ClusterNode node, RelayCore core, SessionMover mover) {
        this.node = node;
        this.core = core;
        this.mover = mover;
    }

    // ------------------------------------------------------------------ placement

    @Override
    public CompletableFuture<Verdict> place(Request request) {
        if (!draining) {
            return node.place(request);
        }
        String room = request.room();
        return target(room, List.of()).thenApply(t -> t.<Verdict>map(Redirect::new).orElseGet(() ->
                new Refuse(ErrorCodes.RELAY_SHUTTING_DOWN, "relay is draining and no other node of its cluster is "
                        + "serving: retry shortly"))).exceptionally(e -> new Refuse(ErrorCodes.RELAY_SHUTTING_DOWN,
                "relay is draining and its cluster store did not answer: retry shortly"));
    }

    @Override
    public void left(Request request) {
        node.left(request);
    }

    @Override
    public ControlMessage.Nodes nodesMessage() {
        return draining ? null : node.nodesMessage();
    }

    @Override
    public RelayJoin relayJoin(String room, String token) {
        return node.relayJoin(room, token);
    }

    /**
     * Where {@code room}'s clients go from this draining node: the owner if another node owns the room and is
     * registered, else (after releasing this node's own claim) the least-loaded serving node of {@code known}, or of
     * the registry when {@code known} is empty. Empty: nowhere.
     */
    private CompletableFuture<Optional<ControlMessage.Redirect>> target(String room, List<NodeRecord> known) {
        ClusterStore store = node.store();
        return node.giveUp(room).thenCompose(released -> store.owner(room)).thenCompose(owner -> {
            if (owner != null && !owner.node().equals(node.nodeId())) {
                return store.node(owner.node()).thenCompose(n -> n != null && !n.ws().isEmpty()
                        ? CompletableFuture.completedFuture(Optional.of(redirect(n, owner.epoch())))
                        : leastLoaded(known));
            }
            return leastLoaded(known);
        });
    }

    private CompletableFuture<Optional<ControlMessage.Redirect>> leastLoaded(List<NodeRecord> known) {
        CompletableFuture<List<NodeRecord>> nodes = known.isEmpty() ? node.store().nodes()
                : CompletableFuture.completedFuture(known);
        // Epoch 0: the target does not own the room yet; the JOIN sent there claims it.
        return nodes.thenApply(all -> ServingNodes.leastLoaded(all, node.nodeId()).map(n -> redirect(n, 0)));
    }

    private static ControlMessage.Redirect redirect(NodeRecord to, long epoch) {
        return new ControlMessage.Redirect(ControlMessage.Redirect.DRAINING, epoch, to.id(), to.ws(), to.quic(),
                to.quicPin());
    }

    // ------------------------------------------------------------------ the drain

    /**
     * Starts draining with {@code deadline} (once: a second call changes nothing and returns false). The relay core
     * refuses JOINs that were placed here just before (RELAY_SHUTTING_DOWN), /readyz fails, the registry says
     * draining; then every room is handed over.
     */
    public synchronized boolean start(Duration deadline) {
        if (draining) {
            return false;
        }
        if (deadline == null || !deadline.isPositive() || deadline.compareTo(MAX_DEADLINE) > 0) {
            throw new IllegalArgumentException("a drain's deadline must be positive and at most "
                    + MAX_DEADLINE.toMinutes() + " minutes");
        }
        draining = true;
        core.drain();
        startedNanos = System.nanoTime();
        deadlineNanos = startedNanos + deadline.toNanos();
        node.refreshNow().exceptionally(e -> false);
        LOG.info("event=draining node={} deadline_ms={} sessions={}: its rooms are handed over to serving nodes",
                node.nodeId(), deadline.toMillis(), core.sessionCount());
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kfrelay-drain");
            t.setDaemon(true);
            return t;
        });
        executor.execute(this::check);
        return true;
    }

    public boolean isDraining() {
        return draining;
    }

    /** Completes when a started drain is over: no session left, or its deadline passed. Never without a drain. */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    /** One look at what is left (drain thread): over, or hand over what is here (again: sessions joined since). */
    private void check() {
        int sessions = core.sessionCount();
        long now = System.nanoTime();
        if (sessions == 0 || now - deadlineNanos >= 0) {
            LOG.info("event=drained node={} sessions_left={} after_ms={}", node.nodeId(), sessions,
                    TimeUnit.NANOSECONDS.toMillis(now - startedNanos));
            drained.complete(null);
            return;
        }
        if (!handingOver) {
            handingOver = true;
            handOverAll().whenComplete((v, e) -> {
                if (e != null) {
                    LOG.warn("event=drain_handover_failed node={} error=\"{}\": retried", node.nodeId(),
                            RedisClusterStore.message(e));
                }
                executor.execute(() -> handingOver = false);
            });
        }
        executor.schedule(this::check, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Hands over every room served here: the registry read once, each room's target chosen (the owner elsewhere, or
     * the least-loaded serving node, counting the sessions already sent to it so rooms spread), its claim released,
     * then its sessions redirected.
     */
    private CompletableFuture<Void> handOverAll() {
        List<String> rooms = node.servedRooms();
        if (rooms.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return node.store().nodes().thenCompose(nodes -> {
            List<NodeRecord> loads = new ArrayList<>(nodes);
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (String room : rooms) {
                chain = chain.thenCompose(v -> target(room, loads)).thenAccept(t -> t.ifPresent(redirect -> {
                    int moved = mover.move(room, redirect, SessionMover.Why.DRAINING);
                    charge(loads, redirect.node(), moved);
                }));
            }
            return chain;
        });
    }

    /** The registry copy a drain chooses from: {@code node} has {@code sessions} more now. */
    private static void charge(List<NodeRecord> loads, String node, int sessions) {
        for (int i = 0; i < loads.size(); i++) {
            NodeRecord n = loads.get(i);
            if (n.id().equals(node)) {
                loads.set(i, new NodeRecord(n.id(), n.ws(), n.quic(), n.quicPin(), n.admin(), n.state(),
                        n.participants() + sessions, n.rooms() + 1, n.bootEpoch(), n.ttlMillis()));
            }
        }
    }

    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
