package io.kfrelay.cluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec: the ownership and registry scripts against a real Redis (a private redis-server per test). */
@Timeout(60)
class RedisClusterStoreIT {
    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofMillis(500);

    private RedisProcess redis;
    private RedisClusterStore a;
    private RedisClusterStore b;

    @BeforeEach
    void start() throws Exception {
        redis = RedisProcess.start();
        a = RedisClusterStore.connect(redis.uri(), TIMEOUT);
        b = RedisClusterStore.connect(redis.uri(), TIMEOUT);
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        redis.close();
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(5, TimeUnit.SECONDS);
    }

    @Test
    void racingClaimsGiveExactlyOneOwnerPerEpochAndEpochsOnlyGrow() throws Exception {
        long last = 0;
        for (int round = 0; round < 30; round++) {
            CompletableFuture<ClaimResult> fromA = a.claim("race", "A", "ta" + round, 0, LEASE);
            CompletableFuture<ClaimResult> fromB = b.claim("race", "B", "tb" + round, 0, LEASE);
            ClaimResult ra = get(fromA);
            ClaimResult rb = get(fromB);
            boolean aWon = ra instanceof ClaimResult.Claimed;
            boolean bWon = rb instanceof ClaimResult.Claimed;
            assertTrue(aWon ^ bWon, "exactly one claim wins, round " + round + ": " + ra + " " + rb);
            long epoch = aWon ? ((ClaimResult.Claimed) ra).epoch() : ((ClaimResult.Claimed) rb).epoch();
            ClaimResult.Held lost = assertInstanceOf(ClaimResult.Held.class, aWon ? rb : ra);
            assertEquals(aWon ? "A" : "B", lost.owner().node(), "the loser is told the winner");
            assertEquals(epoch, lost.owner().epoch(), "and the winner's epoch");
            assertTrue(epoch > last, "epochs only grow: " + epoch + " after " + last);
            last = epoch;
            RoomOwner owner = get(a.owner("race"));
            assertEquals(aWon ? "A" : "B", owner.node());
            assertTrue(get((aWon ? a : b).release("race", (aWon ? "ta" : "tb") + round)));
        }
    }

    @Test
    void renewAndReleaseNeedTheClaimsToken() throws Exception {
        assertInstanceOf(ClaimResult.Claimed.class, get(a.claim("r", "A", "right", 0, Duration.ofSeconds(2))));
        assertFalse(get(b.renew("r", "wrong", LEASE)), "renew with a wrong token fails");
        assertTrue(get(b.owner("r")).ttlMillis() <= 2000, "and does not extend the lease");
        assertFalse(get(b.release("r", "wrong")), "release with a wrong token fails");
        assertEquals("A", get(b.owner("r")).node(), "and leaves the claim");
        assertTrue(get(a.renew("r", "right", LEASE)));
        assertTrue(get(b.owner("r")).ttlMillis() > 2000, "the right token extends it");
        assertTrue(get(a.release("r", "right")));
        assertNull(get(b.owner("r")));
        assertFalse(get(a.renew("r", "right", LEASE)), "a released claim cannot be renewed");
    }

    @Test
    void theSameNodeReclaimsItsOwnRoomWithANewEpoch() throws Exception {
        long first = ((ClaimResult.Claimed) get(a.claim("r", "A", "t1", 0, LEASE))).epoch();
        // E.g. the node restarted, or claims again while its release is still on the way: the old token is void.
        long second = ((ClaimResult.Claimed) get(a.claim("r", "A", "t2", 0, LEASE))).epoch();
        assertTrue(second > first);
        assertFalse(get(a.release("r", "t1")), "the old token's late release is a no-op");
        assertEquals("A", get(a.owner("r")).node());
        assertInstanceOf(ClaimResult.Held.class, get(b.claim("r", "B", "tb", 0, LEASE)));
    }

    @Test
    void anExpiredClaimCanBeTakenWithAHigherEpoch() throws Exception {
        long first = ((ClaimResult.Claimed) get(a.claim("r", "A", "ta", 0, Duration.ofMillis(300)))).epoch();
        Thread.sleep(500);
        assertNull(get(b.owner("r")), "the lease ran out");
        long second = ((ClaimResult.Claimed) get(b.claim("r", "B", "tb", 0, LEASE))).epoch();
        assertTrue(second > first);
        assertFalse(get(a.renew("r", "ta", LEASE)), "the old owner cannot renew what it lost");
    }

    @Test
    void epochsNeverGoBackAcrossARedisRestartedEmpty() throws Exception {
        long epoch = 0;
        for (int i = 0; i < 5; i++) {
            epoch = ((ClaimResult.Claimed) get(a.claim("r", "A", "t" + i, 0, LEASE))).epoch();
        }
        assertEquals(5, epoch);
        redis.restart(); // no persistence: every key is gone, the counter with them
        // Lettuce reconnects by itself (every 200 ms); until then commands are rejected at once.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        ClaimResult r = null;
        while (r == null) {
            try {
                r = get(b.claim("r", "B", "tb", epoch, LEASE)); // the floor: the highest epoch B has seen
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
        assertEquals(epoch + 1, ((ClaimResult.Claimed) r).epoch(), "the floor keeps epochs going up");
        assertTrue(get(b.release("r", "tb")));
        assertEquals(epoch + 2, ((ClaimResult.Claimed) get(b.claim("r", "B", "tb2", 0, LEASE))).epoch(),
                "and the counter continues from there");
    }

    @Test
    void aNodeThatStopsRefreshingLeavesTheRegistryAfterItsTtl() throws Exception {
        long boot = get(a.nextBootEpoch("n1"));
        assertEquals(boot + 1, get(a.nextBootEpoch("n1")), "a boot epoch per start");
        NodeRecord n1 = new NodeRecord("n1", "ws://h:1/kfrelay", "quic://h:2", "ab", "http://h:3", "serving", 4, 1,
                boot, -1);
        assertTrue(get(a.putNode(n1, Duration.ofMillis(600))));
        NodeRecord read = get(b.node("n1"));
        assertNotNull(read);
        assertEquals("ws://h:1/kfrelay", read.ws());
        assertEquals(4, read.participants());
        assertEquals(boot, read.bootEpoch());
        assertTrue(read.ttlMillis() > 0 && read.ttlMillis() <= 600);
        assertEquals(List.of("n1"), get(b.nodes()).stream().map(NodeRecord::id).toList());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!get(b.nodes()).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the record outlived its TTL");
            Thread.sleep(50);
        }
        assertNull(get(b.node("n1")));
    }

    @Test
    void registryRecordsAreComparedByBootEpoch() throws Exception {
        NodeRecord old = new NodeRecord("n", "ws://old", "", "", "", "serving", 0, 0, 1, -1);
        NodeRecord newer = new NodeRecord("n", "ws://new", "", "", "", "serving", 0, 0, 2, -1);
        assertTrue(get(a.putNode(newer, LEASE)));
        assertFalse(get(a.putNode(old, LEASE)), "an older start cannot overwrite a newer one");
        assertFalse(get(a.removeNode("n", 1)), "nor remove it");
        assertEquals("ws://new", get(a.node("n")).ws());
        assertTrue(get(a.removeNode("n", 2)));
        assertNull(get(a.node("n")));
    }

    @Test
    void roomsAreListedBySCAN() throws Exception {
        for (int i = 0; i < 250; i++) {
            get(a.claim("room-" + i, "A", "t" + i, 0, LEASE));
        }
        List<RoomOwner> rooms = get(b.rooms());
        assertEquals(250, rooms.size());
        assertTrue(rooms.stream().allMatch(r -> r.node().equals("A") && r.epoch() == 1 && r.ttlMillis() > 0));
        assertTrue(rooms.stream().anyMatch(r -> r.room().equals("room-249")));
    }

    @Test
    void withRedisDownCommandsFailFast() throws Exception {
        assertInstanceOf(ClaimResult.Claimed.class, get(a.claim("r", "A", "t", 0, LEASE)));
        redis.stop();
        long start = System.nanoTime();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> a.claim("s", "A", "t2", 0, LEASE).get(5, TimeUnit.SECONDS));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms < 1500, "failed after " + ms + " ms: " + e.getCause());
        start = System.nanoTime();
        assertThrows(ExecutionException.class, () -> a.renew("r", "t", LEASE).get(5, TimeUnit.SECONDS));
        ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms < 1500, "renew failed after " + ms + " ms");
    }
}
