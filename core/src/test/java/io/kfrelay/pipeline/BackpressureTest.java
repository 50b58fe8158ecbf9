package io.kfrelay.pipeline;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.testing.RecordingSink;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A full ring costs media, counted, and never a membership event; the publisher never blocks. */
class BackpressureTest {
    private TestRelay relay;

    @AfterEach
    void close() {
        relay.close();
    }

    @Test
    @DisplayName("ring full: media is dropped and counted, the I/O thread never blocks, and no join is lost")
    void ringFullDropsMediaNeverJoins() throws Exception {
        relay = new TestRelay(RelayConfig.builder().ringSize(64).controlReserve(8).build());
        TestPeer pub = relay.join("r", "pub");
        TestPeer stuck = relay.join("r", "stuck");
        stuck.sink.closeGate();
        pub.audio(1);
        assertTrue(stuck.sink.awaitBlocked(5_000), "the consumer is now stuck inside a sink");

        // The ring has 64 slots; 500 packets cannot fit while the consumer is stuck.
        long t0 = System.nanoTime();
        for (int i = 0; i < 500; i++) {
            pub.audio(1);
        }
        long publishMillis = (System.nanoTime() - t0) / 1_000_000;
        // 100 joins: more than the 8 reserved slots, so most go through the overflow queue.
        List<RecordingSink> joiners = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            RecordingSink s = new RecordingSink();
            joiners.add(s);
            relay.core.join("r", "j" + i, s);
        }
        stuck.sink.open();
        relay.settle();

        // The room is alone in the ring: it stops an eighth short of full (INGRESS_SHARE), then the ring is full.
        long dropped = relay.core.metrics().drops(DropReason.RING_FULL) + relay.core.metrics().drops(DropReason.INGRESS_SHARE);
        assertTrue(dropped >= 500 - 64, "dropped " + dropped);
        assertEquals(501 - dropped, stuck.sink.media().size(), "every packet is either delivered or counted");
        for (RecordingSink s : joiners) {
            assertEquals(1, s.controls(ControlMessage.Joined.class).size(), "no join lost");
        }
        assertEquals(102, relay.stat(Stat.PARTICIPANTS));
        assertTrue(publishMillis < 5_000, "publishing never blocked (took " + publishMillis + " ms)");
    }

    @Test
    @DisplayName("a join and a leave queued behind a full ring keep their order")
    void overflowKeepsOrder() throws Exception {
        relay = new TestRelay(RelayConfig.builder().ringSize(64).controlReserve(8).build());
        TestPeer pub = relay.join("r", "pub");
        TestPeer stuck = relay.join("r", "stuck");
        stuck.sink.closeGate();
        pub.audio(1);
        assertTrue(stuck.sink.awaitBlocked(5_000));
        for (int i = 0; i < 200; i++) {
            pub.audio(1);
        }
        List<RelaySession> sessions = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            sessions.add(relay.core.join("r", "x" + i, new RecordingSink()));
        }
        sessions.forEach(RelaySession::leave);
        stuck.sink.open();
        relay.settle();
        assertEquals(2, relay.stat(Stat.PARTICIPANTS), "every join was followed by its leave");
        assertEquals(2, relay.core.room("r").join().participants().size());
    }
}
