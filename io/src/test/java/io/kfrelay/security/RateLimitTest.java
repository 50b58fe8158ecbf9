package io.kfrelay.security;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static io.kfrelay.security.IngressLimiter.Verdict.ADMIT;
import static io.kfrelay.security.IngressLimiter.Verdict.DISCONNECT;
import static io.kfrelay.security.IngressLimiter.Verdict.DROP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec: token buckets hold one second's worth; over it, drop; staying over it for the grace period, disconnect. */
class RateLimitTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;

    @Test
    void aBucketStartsFullAndRefillsAtItsRate() {
        TokenBucket b = new TokenBucket(10, 10, 0);
        for (int i = 0; i < 10; i++) {
            assertTrue(b.tryTake(1, 0));
        }
        assertFalse(b.tryTake(1, 0));
        assertFalse(b.tryTake(1, 50 * MS), "half a token is not a token");
        assertTrue(b.tryTake(1, 100 * MS));
        assertTrue(b.isFull(10 * S), "never more than its capacity");
        assertTrue(b.tryTake(10, 10 * S));
        assertFalse(b.tryTake(1, 10 * S));
    }

    @Test
    void messagesOverEitherRateAreDroppedWithoutSpendingTheOther() {
        IngressLimiter l = new IngressLimiter(100, 64 * 1024, 5 * S, 0);
        assertEquals(ADMIT, l.admit(60_000, 0));
        assertEquals(DROP, l.admit(10_000, 0), "over the byte rate");
        assertEquals(ADMIT, l.admit(1_000, 0), "the dropped message cost nothing");
        for (int i = 0; i < 98; i++) {
            assertEquals(ADMIT, l.admit(10, 0));
        }
        assertEquals(DROP, l.admit(10, 0), "over the message rate");
        assertEquals(ADMIT, l.admit(10, 20 * MS), "two messages' worth refilled");
    }

    @Test
    void sustainedAbuseDisconnectsAfterTheGraceButBurstsDoNot() {
        IngressLimiter l = new IngressLimiter(100, 0, 3 * S, 0);
        long t = 0;
        // Bursts of 150 per second: each second 50 are dropped, for 10 s, but with a quiet second in between.
        for (int burst = 0; burst < 5; burst++, t += 2 * S) {
            for (int i = 0; i < 150; i++) {
                assertTrue(l.admit(10, t) != DISCONNECT, "bursts with pauses are only dropped");
            }
        }
        // 1000 per second, steadily: dropped at once, disconnected once it has lasted 3 s.
        IngressLimiter abuser = new IngressLimiter(100, 0, 3 * S, 0);
        long firstDrop = -1;
        for (long now = 0; now < 10 * S; now += MS) {
            IngressLimiter.Verdict v = abuser.admit(10, now);
            if (v == DROP && firstDrop < 0) {
                firstDrop = now;
            }
            if (v == DISCONNECT) {
                assertEquals(3 * S, now - firstDrop, 1 * MS);
                return;
            }
        }
        throw new AssertionError("never disconnected");
    }

    @Test
    void joinRateIsPerAddressAndTheTableStaysBounded() throws Exception {
        AddressJoinLimiter joins = new AddressJoinLimiter(3);
        Long a = AddressKey.of(InetAddress.getByName("192.0.2.1"));
        Long b = AddressKey.of(InetAddress.getByName("192.0.2.2"));
        assertTrue(joins.tryJoin(a, 0) && joins.tryJoin(a, 0) && joins.tryJoin(a, 0));
        assertFalse(joins.tryJoin(a, 0), "a's fourth in one second");
        assertTrue(joins.tryJoin(b, 0), "b is not a");
        assertTrue(joins.tryJoin(a, S / 3 + 1), "refilled");
        assertTrue(joins.tryJoin(null, 0), "no address, no limit");

        for (int i = 0; i < AddressJoinLimiter.MAX_TRACKED + 100; i++) {
            byte[] ip = {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i};
            joins.tryJoin(AddressKey.of(InetAddress.getByAddress(ip)), 10 * S + i);
        }
        assertTrue(joins.tracked() <= AddressJoinLimiter.MAX_TRACKED, () -> "tracked " + joins.tracked());
    }

    @Test
    void pendingConnectionsAreCountedPerAddressUntilTheyJoinOrClose() throws Exception {
        PendingConnections p = new PendingConnections(2);
        Long a = AddressKey.of(InetAddress.getByName("192.0.2.1"));
        assertTrue(p.tryOpen(a) && p.tryOpen(a));
        assertFalse(p.tryOpen(a));
        p.done(a);
        assertTrue(p.tryOpen(a));
        p.done(a);
        p.done(a);
        assertEquals(0, p.pending(a), "no entry is kept for an address with nothing pending");
    }
}
