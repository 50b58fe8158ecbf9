package io.kfrelay.pipeline;

import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.testing.RecordingSink;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leaving, stream ends and room lifetime: caches are purged at once and the gauge is exact. */
class MembershipTest {
    private static final long PACKET = 20 + TestPeer.PAYLOAD;

    private TestRelay relay;

    @AfterEach
    void close() {
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    @DisplayName("a sender's leave purges its entries at once; the gauge drops by exactly their bytes")
    void leavePurgesSenderEntries() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).build());
        TestPeer a = relay.join("r", "a");
        TestPeer b = relay.join("r", "b");
        a.keyframe(1, 3);
        a.delta(1);
        a.keyframe(2, 2);
        b.keyframe(1, 4);
        b.keyframeStart(5, 1, 3); // a partial keyframe counts too
        relay.settle();
        long aBytes = 6 * PACKET;
        long bBytes = 5 * PACKET;
        assertEquals(aBytes + bBytes, relay.stat(Stat.CACHE_BYTES));
        assertEquals(3, relay.stat(Stat.CACHE_ENTRIES));

        a.session.leave();
        relay.settle();
        assertEquals(bBytes, relay.stat(Stat.CACHE_BYTES));
        assertEquals(1, relay.stat(Stat.CACHE_ENTRIES));
        assertEquals(List.of(new ControlMessage.StreamEnded(a.id(), 1), new ControlMessage.StreamEnded(a.id(), 2)),
                b.sink.controls(ControlMessage.StreamEnded.class).stream()
                        .sorted(java.util.Comparator.comparingInt(ControlMessage.StreamEnded::streamId)).toList());
        assertEquals(List.of(new ControlMessage.ParticipantLeft(a.id())), b.sink.controls(ControlMessage.ParticipantLeft.class));

        TestPeer late = relay.join("r", "late");
        assertTrue(late.sink.media(a.id(), 1).isEmpty(), "nothing of the leaver is replayed");
        assertEquals(4, late.sink.media(b.id(), 1).size());
    }

    @Test
    @DisplayName("an empty room frees everything: every gauge back to exactly 0")
    void emptyRoomFreesAll() {
        relay = new TestRelay();
        TestPeer a = relay.join("r", "a");
        TestPeer b = relay.join("r", "b");
        a.keyframe(1, 5);
        b.keyframe(1, 2);
        b.keyframeStart(2, 2, 4);
        b.audio(3);
        relay.settle();
        assertTrue(relay.stat(Stat.CACHE_BYTES) > 0);
        assertTrue(relay.stat(Stat.CACHE_CAPACITY_BYTES) > 0);

        a.session.leave();
        b.session.leave();
        relay.settle();
        for (Stat gauge : List.of(Stat.CACHE_BYTES, Stat.CACHE_ENTRIES, Stat.CACHE_CAPACITY_BYTES, Stat.ROOMS,
                Stat.PARTICIPANTS, Stat.STREAMS, Stat.REPLAYS_ACTIVE)) {
            assertEquals(0, relay.stat(gauge), gauge.name());
        }
        assertNull(relay.core.room("r").join());
    }

    @Test
    @DisplayName("a publisher ending one stream frees that stream's cache and tells the others")
    void endStream() {
        relay = new TestRelay();
        TestPeer a = relay.join("r", "a");
        TestPeer b = relay.join("r", "b");
        a.keyframe(1, 2);
        a.keyframe(2, 3);
        relay.settle();
        a.session.endStream(1);
        relay.settle();
        assertEquals(3 * PACKET, relay.stat(Stat.CACHE_BYTES));
        assertEquals(List.of(new ControlMessage.StreamEnded(a.id(), 1)), b.sink.controls(ControlMessage.StreamEnded.class));
    }

    @Test
    @DisplayName("leave is idempotent and media after leaving is dropped, not forwarded")
    void leaveIdempotent() {
        relay = new TestRelay();
        TestPeer a = relay.join("r", "a");
        TestPeer b = relay.join("r", "b");
        a.session.leave();
        a.session.leave();
        a.audio(1);
        relay.settle();
        assertTrue(b.sink.media().isEmpty());
        assertEquals(1, relay.stat(Stat.LEAVES));
        assertEquals(1, relay.core.metrics().drops(DropReason.UNKNOWN_SENDER));
    }

    @Test
    @DisplayName("every other participant receives each packet; the sender does not get its own back")
    void fanOutToEveryOther() {
        relay = new TestRelay();
        TestPeer a = relay.join("r", "a");
        TestPeer b = relay.join("r", "b");
        TestPeer c = relay.join("r", "c");
        TestPeer other = relay.join("elsewhere", "d");
        a.audio(1);
        relay.settle();
        assertEquals(1, b.sink.media().size());
        assertEquals(1, c.sink.media().size());
        assertTrue(a.sink.media().isEmpty());
        assertTrue(other.sink.media().isEmpty(), "rooms are isolated");
        assertEquals(2, relay.stat(Stat.EGRESS_PACKETS));
    }

    @Test
    @DisplayName("a stream's kind is fixed by its first packet; a contradicting packet is dropped and counted")
    void kindMismatch() {
        relay = new TestRelay();
        TestPeer a = relay.join("r", "a");
        TestPeer b = relay.join("r", "b");
        a.audio(1);
        a.keyframe(1, 1);
        relay.settle();
        assertEquals(1, b.sink.media().size());
        assertEquals(1, relay.core.metrics().drops(DropReason.KIND_MISMATCH));
        assertEquals(0, relay.stat(Stat.CACHE_BYTES));
    }

    @Test
    @DisplayName("a participant may publish at most max-streams streams; more are dropped and counted")
    void streamLimit() {
        relay = new TestRelay(RelayConfig.builder().maxStreamsPerParticipant(2).build());
        TestPeer a = relay.join("r", "a");
        TestPeer b = relay.join("r", "b");
        a.audio(1);
        a.audio(2);
        a.audio(3);
        relay.settle();
        assertEquals(2, b.sink.media().size());
        assertEquals(1, relay.core.metrics().drops(DropReason.TOO_MANY_STREAMS));
    }

    @Test
    @DisplayName("a join with an empty or control-character room or identity is refused with ROOM_INVALID")
    void invalidNamesRefused() {
        relay = new TestRelay();
        for (String[] bad : new String[][]{{"", "a"}, {"r", ""}, {"r\n", "a"}, {"r".repeat(300), "a"}}) {
            RecordingSink sink = new RecordingSink();
            relay.core.join(bad[0], bad[1], sink);
            relay.settle();
            assertEquals(ErrorCodes.ROOM_INVALID, sink.controls(ControlMessage.Error.class).getFirst().code());
            assertTrue(sink.closed());
        }
        assertEquals(0, relay.stat(Stat.PARTICIPANTS));
        assertEquals(4, relay.stat(Stat.JOINS_REJECTED));
    }

    @Test
    @DisplayName("closing the relay tells every participant and frees every cache")
    void shutdownEvictsAll() {
        relay = new TestRelay();
        TestPeer a = relay.join("r", "a");
        a.keyframe(1, 2);
        relay.settle();
        relay.close();
        assertTrue(a.sink.closed());
        assertEquals(ErrorCodes.RELAY_SHUTTING_DOWN, a.sink.controls(ControlMessage.Error.class).getFirst().code());
        assertEquals(0, relay.stat(Stat.CACHE_BYTES));
        assertEquals(0, relay.stat(Stat.CACHE_CAPACITY_BYTES));

        RecordingSink after = new RecordingSink();
        relay.core.join("r", "too-late", after);
        assertTrue(after.closed(), "a join after close is refused");
        relay = null;
    }
}
