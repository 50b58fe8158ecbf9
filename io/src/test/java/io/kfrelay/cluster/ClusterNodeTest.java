package io.kfrelay.cluster;

import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.transport.RoomPlacement;
import io.kfrelay.transport.RoomPlacement.Refuse;
import io.kfrelay.transport.RoomPlacement.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: a node's room claims with a fake clock and an in-memory store: fencing (it stops acting as owner at
 * {@code sent + lease - lease/5} of its last successful renewal, before the claim can expire), references, release,
 * refusals, and what an unreachable store does.
 */
@Timeout(30)
class ClusterNodeTest {
    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final long MARGIN = Duration.ofSeconds(2).toNanos();

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final FakeStore store = new FakeStore(now);
    private final List<ClusterNode> nodes = new ArrayList<>();

    @AfterEach
    void close() {
        nodes.forEach(ClusterNode::close);
    }

    private ClusterNode node(String id) throws IOException {
        return node(id, ClusterConfig.DEFAULT_MAX_RECEIVERS);
    }

    private ClusterNode node(String id, int maxReceivers) throws IOException {
        ClusterNode n = new ClusterNode(store, ClusterConfig.of("redis://fake").withTimes(LEASE,
                Duration.ofSeconds(2)).withMaxReceivers(maxReceivers), now::get);
        n.start(id, new ClusterNode.Advertised("ws://" + id + "/kfrelay", "quic://" + id, "", ""), () -> false, false);
        nodes.add(n);
        return n;
    }

    private static Verdict await(CompletableFuture<Verdict> f) throws Exception {
        return f.get(5, TimeUnit.SECONDS);
    }

    @Test
    void theNodeStopsActingAsOwnerBeforeItsClaimCanExpire() throws Exception {
        ClusterNode a = node("a");
        long claimedAt = now.get();
        assertSame(RoomPlacement.HERE, await(a.place("r")));
        assertTrue(a.isOwner("r"));
        store.down = true; // renewals fail from now on
        a.tick().get(5, TimeUnit.SECONDS);
        now.set(claimedAt + LEASE.toNanos() - MARGIN - 1);
        assertTrue(a.isOwner("r"), "still within lease - margin of the claim's sending");
        assertTrue(a.place("r").isDone(), "a JOIN to an owned room is answered at once, without the store");
        now.set(claimedAt + LEASE.toNanos() - MARGIN);
        assertFalse(a.isOwner("r"), "fenced at lease - margin");
        assertTrue(store.expiresAt("r") > now.get() + MARGIN - 1, "strictly before the key can expire");
        Refuse refused = assertInstanceOf(Refuse.class, await(a.place("r")));
        assertEquals(ErrorCodes.CLUSTER_UNAVAILABLE, refused.code());
        assertTrue(refused.reason().contains("'r'"), refused.reason());
        assertNotNull(a.degraded(), "health says degraded");
        // The store answers again, the key still holds this node's token: a renewal makes it the owner again.
        store.down = false;
        assertSame(RoomPlacement.HERE, await(a.place("r")));
        assertTrue(a.isOwner("r"));
        assertNull(a.degraded());
    }

    @Test
    void aRenewalExtendsOwnershipFromWhenItWasSent() throws Exception {
        ClusterNode a = node("a");
        assertSame(RoomPlacement.HERE, await(a.place("r")));
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        long sent = now.get();
        store.renewDelayNanos = Duration.ofSeconds(1).toNanos(); // the renewal's answer arrives a second later
        a.tick().get(5, TimeUnit.SECONDS);
        now.set(sent + LEASE.toNanos() - MARGIN - 1);
        assertTrue(a.isOwner("r"));
        now.set(sent + LEASE.toNanos() - MARGIN);
        assertFalse(a.isOwner("r"), "the deadline counts from the sending, not the answer");
    }

    private static RoomPlacement.Request receiver(String room) {
        return new RoomPlacement.Request(room, RoomPlacement.Role.RECEIVER, 0);
    }

    @Test
    void theOriginServesReceiversUpToItsLimitThenSendsThemToAnotherNode() throws Exception {
        ClusterNode a = node("a", 2);
        node("b", 2);
        assertSame(RoomPlacement.HERE, await(a.place("r")), "the publisher claims the room");
        assertSame(RoomPlacement.HERE, await(a.place(receiver("r"))));
        assertFalse(store.full.getOrDefault("r", false));
        assertSame(RoomPlacement.HERE, await(a.place(receiver("r"))));
        assertTrue(store.full.get("r"), "at its limit the origin says so in the store");
        RoomPlacement.Redirect sent = assertInstanceOf(RoomPlacement.Redirect.class, await(a.place(receiver("r"))));
        assertEquals(ControlMessage.Redirect.LOAD, sent.message().reason());
        assertEquals("b", sent.message().node(), "the least-loaded other node");
        assertEquals(1, sent.message().epoch());
        assertSame(RoomPlacement.HERE, await(a.place("r")), "a publisher is always served at the origin");

        a.left(receiver("r"));
        a.tick().get(5, TimeUnit.SECONDS);
        assertFalse(store.full.get("r"), "room again: the mark goes at the next renewal");
    }

    @Test
    void overflowGoesToAnEdgeAlreadyRelayingTheRoomFirst() throws Exception {
        ClusterNode a = node("a", 1);
        node("b", 1);
        node("c", 1);
        assertSame(RoomPlacement.HERE, await(a.place(receiver("r"))));
        store.putEdge("r", "c", 0, Duration.ofSeconds(6)).join();
        RoomPlacement.Redirect sent = assertInstanceOf(RoomPlacement.Redirect.class, await(a.place(receiver("r"))));
        assertEquals("c", sent.message().node());
        assertEquals(ControlMessage.Redirect.LOAD, sent.message().reason());
    }

    @Test
    void aReceiverAtAnotherNodeGoesToTheOriginWhileItHasRoom() throws Exception {
        ClusterNode a = node("a", 5);
        ClusterNode b = node("b", 5);
        assertSame(RoomPlacement.HERE, await(a.place("r")));
        RoomPlacement.Redirect sent = assertInstanceOf(RoomPlacement.Redirect.class, await(b.place(receiver("r"))));
        assertEquals(ControlMessage.Redirect.ROOM_ELSEWHERE, sent.message().reason());
        assertEquals("a", sent.message().node());
    }

    @Test
    void receiversWaitingForOneDecisionAreAllPlacedWhenItArrives() throws Exception {
        ClusterNode a = node("a", 50);
        ClusterNode b = node("b", 50);
        try (io.kfrelay.pipeline.RelayCore core = io.kfrelay.pipeline.RelayCore.start(io.kfrelay.config.RelayConfig.defaults())) {
            b.cascade(core); // b may relay: joiners of a room it does not relay share one decision
            placeTwentyAtOnce(a, b);
        }
    }

    private void placeTwentyAtOnce(ClusterNode a, ClusterNode b) throws Exception {
        assertSame(RoomPlacement.HERE, await(a.place("r")));
        store.ownerGate = new CompletableFuture<>(); // b's store reads wait: the joiners below share one decision
        List<CompletableFuture<Verdict>> joins = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            joins.add(b.place(receiver("r")));
        }
        CompletableFuture<Void> gate = store.ownerGate;
        store.ownerGate = null;
        gate.complete(null);
        for (CompletableFuture<Verdict> j : joins) {
            RoomPlacement.Redirect sent = assertInstanceOf(RoomPlacement.Redirect.class, await(j));
            assertEquals("a", sent.message().node());
        }
    }

    @Test
    void anEdgeIsAdmittedOnlyByTheOriginAndOnlyAtItsEpoch() throws Exception {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        assertSame(RoomPlacement.HERE, await(a.place("r")));
        long epoch = a.epoch("r");
        assertSame(RoomPlacement.HERE, await(a.place(new RoomPlacement.Request("r", RoomPlacement.Role.EDGE, epoch))));
        Refuse older = assertInstanceOf(Refuse.class,
                await(a.place(new RoomPlacement.Request("r", RoomPlacement.Role.EDGE, epoch - 1))));
        assertEquals(ErrorCodes.STALE_EPOCH, older.code());
        Refuse notOrigin = assertInstanceOf(Refuse.class,
                await(b.place(new RoomPlacement.Request("r", RoomPlacement.Role.EDGE, epoch))));
        assertEquals(ErrorCodes.STALE_EPOCH, notOrigin.code());
        a.left(new RoomPlacement.Request("r", RoomPlacement.Role.EDGE, epoch));
        a.left("r");
        assertFalse(a.isOwner("r") && a.epoch("r") != epoch);
    }

    @Test
    void aRoomHeldElsewhereIsRedirectedToItsOwner() throws Exception {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        assertSame(RoomPlacement.HERE, await(a.place("r")));
        RoomPlacement.Redirect redirect = assertInstanceOf(RoomPlacement.Redirect.class, await(b.place("r")));
        assertEquals(ControlMessage.Redirect.ROOM_ELSEWHERE, redirect.message().reason());
        assertEquals("a", redirect.message().node());
        assertEquals("ws://a/kfrelay", redirect.message().ws());
        assertEquals(1, redirect.message().epoch());
        ClusterNode.Lookup l = b.lookup("r").get(5, TimeUnit.SECONDS);
        assertFalse(l.here());
        assertEquals("a", l.node());
        assertEquals("ws://a/kfrelay", l.ws());
        assertEquals(1, l.epoch());
    }

    @Test
    void nodesListsTheServingNodesOfTheLastRefreshWithoutAskingTheStore() throws Exception {
        ClusterNode a = node("a");
        node("b");
        store.nodes.put("c", new NodeRecord("c", "ws://c/kfrelay", "", "", "", NodeRecord.DRAINING, 0, 0, 1, -1));
        a.tick().get(5, TimeUnit.SECONDS);
        assertEquals(List.of(new ControlMessage.NodeAddress("a", "ws://a/kfrelay", "quic://a", ""),
                        new ControlMessage.NodeAddress("b", "ws://b/kfrelay", "quic://b", "")),
                a.nodesMessage().nodes(), "serving nodes by id, this one included; a draining node is left out");
        store.down = true;
        a.tick().get(5, TimeUnit.SECONDS);
        assertEquals(2, a.nodesMessage().nodes().size(), "a failed refresh keeps the last list");
    }

    @Test
    void theLastSessionReleasesTheClaimAndTheNextOwnerHasAHigherEpoch() throws Exception {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        assertSame(RoomPlacement.HERE, await(a.place("r")));
        assertSame(RoomPlacement.HERE, await(a.place("r")));
        assertEquals(1, a.epoch("r"));
        a.left("r");
        assertTrue(store.owner.containsKey("r"), "one session is left");
        a.left("r");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (store.owner.containsKey("r")) {
            assertTrue(System.nanoTime() < deadline, "not released");
            Thread.sleep(5);
        }
        assertFalse(a.isOwner("r"));
        assertSame(RoomPlacement.HERE, await(b.place("r")));
        assertEquals(2, b.epoch("r"));
    }

    @Test
    void aLostClaimIsReclaimedWithTheNodesHighestEpochAsFloor() throws Exception {
        ClusterNode a = node("a");
        for (int i = 0; i < 3; i++) {
            assertSame(RoomPlacement.HERE, await(a.place("r")));
            a.left("r");
            Thread.sleep(50);
        }
        assertSame(RoomPlacement.HERE, await(a.place("r")));
        assertEquals(4, a.epoch("r"));
        store.wipe(); // Redis restarted empty
        a.tick().get(5, TimeUnit.SECONDS); // the renewal finds no claim: lost
        a.tick().get(5, TimeUnit.SECONDS); // the room is in use: claimed again, above the floor
        assertTrue(a.isOwner("r"));
        assertEquals(5, a.epoch("r"), "epochs never go back");
    }

    /** What a node's {@link SessionMover} was asked to do: room and last message. */
    private final List<Map.Entry<String, ControlMessage>> moved = new java.util.concurrent.CopyOnWriteArrayList<>();

    private ClusterNode nodeWithSessions(String id) throws IOException {
        ClusterNode n = node(id);
        n.moveSessionsWith(new SessionMover((room, last) -> {
            moved.add(Map.entry(room, last));
            return 2;
        }));
        return n;
    }

    @Test
    void aNodeWhoseClaimAnotherNodeTookMovesItsSessionsThereAndNeverActsAsOwnerAgain() throws Exception {
        ClusterNode a = nodeWithSessions("a");
        ClusterNode b = node("b");
        assertSame(RoomPlacement.HERE, await(a.place("r"))); // a session at A
        assertEquals(1, a.epoch("r"));
        // A is paused past its lease: the claim expires and B claims the room with a higher epoch.
        now.addAndGet(LEASE.toNanos() + 1);
        assertSame(RoomPlacement.HERE, await(b.place("r")));
        assertEquals(2, b.epoch("r"));
        assertFalse(a.isOwner("r"), "fenced: A's deadline passed while it was paused");

        a.tick().get(5, TimeUnit.SECONDS); // A resumes: the renewal is refused, B holds the room

        assertEquals(List.of(Map.entry("r", (ControlMessage) new ControlMessage.Redirect(
                ControlMessage.Redirect.ROOM_ELSEWHERE, 2, "b", "ws://b/kfrelay", "quic://b", ""))), moved);
        assertFalse(a.isOwner("r"));
        assertEquals(0, a.epoch("r"), "A reports no epoch for the room");
        RoomPlacement.Redirect join = assertInstanceOf(RoomPlacement.Redirect.class, await(a.place("r")));
        assertEquals("b", join.message().node(), "a new JOIN at A goes to B");
    }

    @Test
    void sessionsOfATakenRoomWhoseOwnerIsNotRegisteredEndWithRoomElsewhere() throws Exception {
        ClusterNode a = nodeWithSessions("a");
        ClusterNode b = node("b");
        assertSame(RoomPlacement.HERE, await(a.place("r")));
        now.addAndGet(LEASE.toNanos() + 1);
        assertSame(RoomPlacement.HERE, await(b.place("r")));
        synchronized (store) {
            store.nodes.remove("b"); // B's record lapsed
        }
        a.tick().get(5, TimeUnit.SECONDS);
        assertEquals(1, moved.size(), moved.toString());
        ControlMessage.Error error = assertInstanceOf(ControlMessage.Error.class, moved.getFirst().getValue());
        assertEquals(ErrorCodes.ROOM_ELSEWHERE, error.code());
    }

    @Test
    void aClaimThatOnlyLapsedIsTakenAgainAndItsSessionsStay() throws Exception {
        ClusterNode a = nodeWithSessions("a");
        assertSame(RoomPlacement.HERE, await(a.place("r")));
        now.addAndGet(LEASE.toNanos() + 1); // expired, nobody took it
        a.tick().get(5, TimeUnit.SECONDS);
        assertTrue(a.isOwner("r"), "claimed again at once");
        assertEquals(2, a.epoch("r"));
        assertEquals(List.of(), moved, "nobody else owns it: the sessions stay");
    }

    /** An in-memory store with the same compare-and-set rules as the Redis scripts; {@link #down} fails every call. */
    static final class FakeStore implements ClusterStore {
        final Map<String, String[]> owner = new HashMap<>(); // room -> node, token
        final Map<String, Long> epochs = new HashMap<>();
        final Map<String, Long> expiry = new HashMap<>();
        final Map<String, NodeRecord> nodes = new HashMap<>();
        final Map<String, Boolean> full = new HashMap<>();
        final Map<String, Map<String, Long>> edges = new HashMap<>();
        final AtomicLong clock;
        volatile boolean down;
        volatile long renewDelayNanos;
        /** While set, owner() answers only once it completes (a slow store). */
        volatile CompletableFuture<Void> ownerGate;

        FakeStore(AtomicLong clock) {
            this.clock = clock;
        }

        synchronized long expiresAt(String room) {
            return expiry.get(room);
        }

        synchronized void wipe() {
            owner.clear();
            epochs.clear();
            expiry.clear();
        }

        private synchronized <T> CompletableFuture<T> answer(java.util.function.Supplier<T> op) {
            if (down) {
                return CompletableFuture.failedFuture(new IOException("store down"));
            }
            owner.keySet().removeIf(r -> expiry.get(r) - clock.get() <= 0);
            return CompletableFuture.completedFuture(op.get());
        }

        @Override
        public CompletableFuture<Long> nextBootEpoch(String nodeId) {
            return answer(() -> 1L);
        }

        @Override
        public CompletableFuture<Boolean> putNode(NodeRecord node, Duration ttl) {
            return answer(() -> {
                nodes.put(node.id(), node);
                return true;
            });
        }

        @Override
        public CompletableFuture<Boolean> removeNode(String nodeId, long bootEpoch) {
            return answer(() -> nodes.remove(nodeId) != null);
        }

        @Override
        public CompletableFuture<NodeRecord> node(String nodeId) {
            return answer(() -> nodes.get(nodeId));
        }

        @Override
        public CompletableFuture<List<NodeRecord>> nodes() {
            return answer(() -> List.copyOf(nodes.values()));
        }

        @Override
        public CompletableFuture<ClaimResult> claim(String room, String nodeId, String token, long floor,
                                                    Duration lease) {
            return answer(() -> {
                String[] held = owner.get(room);
                if (held != null && !held[0].equals(nodeId)) {
                    return new ClaimResult.Held(new RoomOwner(room, held[0], epochs.get(room), 1));
                }
                long e = Math.max(epochs.getOrDefault(room, 0L) + 1, floor + 1);
                epochs.put(room, e);
                owner.put(room, new String[]{nodeId, token});
                expiry.put(room, clock.get() + lease.toNanos());
                return new ClaimResult.Claimed(e);
            });
        }

        @Override
        public CompletableFuture<Boolean> renew(String room, String token, Duration lease) {
            return answer(() -> {
                String[] held = owner.get(room);
                if (held == null || !held[1].equals(token)) {
                    return false;
                }
                expiry.put(room, clock.get() + lease.toNanos());
                clock.addAndGet(renewDelayNanos);
                return true;
            });
        }

        @Override
        public CompletableFuture<Boolean> release(String room, String token) {
            return answer(() -> {
                String[] held = owner.get(room);
                return held != null && held[1].equals(token) && owner.remove(room) != null;
            });
        }

        @Override
        public CompletableFuture<RoomOwner> owner(String room) {
            CompletableFuture<Void> gate = ownerGate;
            if (gate != null) {
                return gate.thenCompose(v -> owner0(room));
            }
            return owner0(room);
        }

        private CompletableFuture<RoomOwner> owner0(String room) {
            return answer(() -> {
                String[] held = owner.get(room);
                return held == null ? null : new RoomOwner(room, held[0], epochs.get(room), 1,
                        full.getOrDefault(room, false));
            });
        }

        @Override
        public CompletableFuture<Boolean> markFull(String room, String token, boolean isFull) {
            return answer(() -> {
                String[] held = owner.get(room);
                if (held == null || !held[1].equals(token)) {
                    return false;
                }
                full.put(room, isFull);
                return true;
            });
        }

        @Override
        public CompletableFuture<Void> putEdge(String room, String nodeId, long receivers, Duration ttl) {
            return answer(() -> {
                edges.computeIfAbsent(room, r -> new HashMap<>()).put(nodeId, receivers);
                return null;
            });
        }

        @Override
        public CompletableFuture<Void> dropEdge(String room, String nodeId) {
            return answer(() -> {
                edges.getOrDefault(room, new HashMap<>()).remove(nodeId);
                return null;
            });
        }

        @Override
        public CompletableFuture<List<Edge>> edges(String room) {
            return answer(() -> edges.getOrDefault(room, Map.of()).entrySet().stream()
                    .map(e -> new Edge(e.getKey(), e.getValue())).toList());
        }

        @Override
        public CompletableFuture<String> clusterKey() {
            return answer(() -> "a2V5");
        }

        @Override
        public CompletableFuture<List<RoomOwner>> rooms() {
            return answer(() -> owner.keySet().stream().map(r -> new RoomOwner(r, owner.get(r)[0], epochs.get(r), 1))
                    .toList());
        }

        @Override
        public void close() {
        }
    }
}
