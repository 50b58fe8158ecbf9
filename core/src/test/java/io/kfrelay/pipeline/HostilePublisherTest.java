package io.kfrelay.pipeline;

import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.KeyframeReject;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: whatever a publisher sends, the keyframe cache cannot grow past its caps: per stream at most one keyframe
 * being assembled (keyframe-cap) and one cached entry (keyframe-cap, or gop-cap in gop mode), and at most
 * max-streams streams per participant. Each hostile publisher below sends about 10 MB; the gauges stay under the
 * caps the whole time and return to exactly 0 when it leaves.
 */
class HostilePublisherTest {
    private static final int KEYFRAME_CAP = 16 * 1024;
    private static final int GOP_CAP = 64 * 1024;
    private static final int MAX_STREAMS = 4;
    private static final int PACKETS = 10_000;

    private TestRelay relay;

    @AfterEach
    void close() {
        if (relay != null) {
            relay.close();
        }
    }

    private TestPeer start(CacheMode mode) {
        relay = new TestRelay(RelayConfig.builder().cacheMode(mode).keyframeCapBytes(KEYFRAME_CAP).gopCapBytes(GOP_CAP)
                .maxStreamsPerParticipant(MAX_STREAMS).build());
        relay.join("r", "viewer");
        return relay.join("r", "attacker");
    }

    /** The most one participant's streams may hold: MAX_STREAMS x (partial keyframe + cached entry). */
    private static long bound(CacheMode mode) {
        return (long) MAX_STREAMS * (KEYFRAME_CAP + (mode == CacheMode.GOP ? GOP_CAP : KEYFRAME_CAP));
    }

    private void assertBounded(CacheMode mode) {
        relay.settle();
        long bytes = relay.stat(Stat.CACHE_BYTES);
        long capacity = relay.stat(Stat.CACHE_CAPACITY_BYTES);
        assertTrue(bytes <= bound(mode), () -> "cache bytes " + bytes + " within " + bound(mode));
        // Off-heap reservations: records carry 4-byte lengths and elastic buffers may double once.
        assertTrue(capacity <= 3 * bound(mode), () -> "reserved " + capacity + " within " + 3 * bound(mode));
    }

    private void assertFreedOnLeave(TestPeer attacker) {
        attacker.session.leave();
        relay.settle();
        assertEquals(0, relay.stat(Stat.CACHE_BYTES));
        assertEquals(0, relay.stat(Stat.CACHE_CAPACITY_BYTES));
        assertEquals(0, relay.stat(Stat.CACHE_ENTRIES));
    }

    @ParameterizedTest
    @EnumSource(CacheMode.class)
    @DisplayName("a keyframe that never ends is dropped at the cap, again and again")
    void keyframeThatNeverEnds(CacheMode mode) {
        TestPeer attacker = start(mode);
        attacker.send(1, Protocol.KIND_VIDEO, Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START, TestPeer.PAYLOAD);
        for (int i = 1; i < PACKETS; i++) {
            attacker.send(1, Protocol.KIND_VIDEO, Protocol.FLAG_KEYFRAME, TestPeer.PAYLOAD);
            if (i % 1000 == 0) {
                assertBounded(mode);
            }
        }
        assertBounded(mode);
        assertTrue(relay.stat(Stat.CACHE_BYTES) <= KEYFRAME_CAP);
        assertEquals(1, relay.core.metrics().keyframeRejects(KeyframeReject.OVER_CAP));
        assertEquals(0, relay.stat(Stat.CACHE_ENTRIES), "nothing partial was ever cached");
        assertFreedOnLeave(attacker);
    }

    @ParameterizedTest
    @EnumSource(CacheMode.class)
    @DisplayName("contradictory flags and sequence numbers on many streams stay within the per-stream caps")
    void contradictoryFlagsOnManyStreams(CacheMode mode) {
        TestPeer attacker = start(mode);
        Random random = new Random(42);
        for (int i = 0; i < PACKETS; i++) {
            int stream = random.nextInt(MAX_STREAMS * 2); // half of them over max-streams: refused
            int flags = random.nextInt(Protocol.KNOWN_FLAGS + 1);
            long seq = random.nextInt(4) == 0 ? random.nextInt() & 0xFFFF_FFFFL : attacker.nextSeq(stream);
            attacker.lose(stream, (int) (seq - attacker.nextSeq(stream)) + 1);
            attacker.sendRaw(stream, Protocol.KIND_VIDEO, flags, seq, random.nextInt(1200), 0);
            if (i % 1000 == 0) {
                assertBounded(mode);
            }
        }
        assertBounded(mode);
        assertTrue(relay.core.metrics().drops(DropReason.TOO_MANY_STREAMS) > 0, "streams past max-streams are refused");
        assertFreedOnLeave(attacker);
    }

    @ParameterizedTest
    @EnumSource(CacheMode.class)
    @DisplayName("a flood of complete keyframes keeps exactly one cached per stream")
    void keyframeFlood(CacheMode mode) {
        TestPeer attacker = start(mode);
        for (int i = 0; i < PACKETS / 2; i++) {
            attacker.keyframe(i % MAX_STREAMS, 2);
        }
        relay.settle();
        assertBounded(mode);
        assertEquals(MAX_STREAMS, relay.stat(Stat.CACHE_ENTRIES));
        assertEquals(MAX_STREAMS * 2L * (20 + TestPeer.PAYLOAD), relay.stat(Stat.CACHE_BYTES), "one 2-packet keyframe each");
        assertFreedOnLeave(attacker);
    }

    @ParameterizedTest
    @EnumSource(CacheMode.class)
    @DisplayName("endless deltas after one keyframe: the GOP stops at its cap")
    void endlessDeltas(CacheMode mode) {
        TestPeer attacker = start(mode);
        attacker.keyframe(1, 1);
        for (int i = 0; i < PACKETS; i++) {
            attacker.delta(1);
        }
        assertBounded(mode);
        assertTrue(relay.stat(Stat.CACHE_BYTES) <= (mode == CacheMode.GOP ? GOP_CAP : KEYFRAME_CAP));
        if (mode == CacheMode.GOP) {
            assertEquals(1, relay.stat(Stat.GOPS_TRUNCATED));
        }
        assertFreedOnLeave(attacker);
    }
}
