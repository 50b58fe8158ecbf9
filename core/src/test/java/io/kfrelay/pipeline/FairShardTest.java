package io.kfrelay.pipeline;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.ClientRequest;
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

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A shard stays fair and bounded whatever one client or one room does: its duty cycle flushes receivers every few
 * events, clients' own requests are coalesced and shed, a room's fan-out is charged at ingress so it cannot crowd
 * another room out of the ring, and membership races leave no ghost and no shared id.
 */
class FairShardTest {
    private TestRelay relay;

    @AfterEach
    void close() {
        relay.close();
    }

    /** Blocks the consumer inside a sink until {@code stuck.sink.open()}. */
    private static void stall(TestPeer pub, TestPeer stuck) throws InterruptedException {
        stuck.sink.closeGate();
        pub.audio(9);
        assertTrue(stuck.sink.awaitBlocked(5_000), "the consumer is now stuck inside a sink");
    }

    @Test
    @DisplayName("a long burst is flushed to receivers every batch-events events, not only at its end")
    void boundedBatch() throws Exception {
        relay = new TestRelay(RelayConfig.builder().batchEvents(8).build());
        TestPeer pub = relay.join("r", "pub");
        TestPeer stuck = relay.join("r", "stuck");
        TestPeer watcher = relay.join("r", "watcher");
        stall(pub, stuck);
        int before = watcher.sink.flushes();
        for (int i = 0; i < 200; i++) {
            pub.audio(1);                 // 200 events wait in the ring: one batch, were it unbounded
        }
        stuck.sink.open();
        relay.settle();
        int flushes = watcher.sink.flushes() - before;
        assertTrue(flushes >= 200 / 8, "flushed " + flushes + " times for 200 events in batches of 8");
    }

    @Test
    @DisplayName("a client repeating keyframe requests costs its shard one ring event, and the publisher one request")
    void keyframeRequestsCoalesce() throws Exception {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        TestPeer asker = relay.join("r", "asker");
        pub.keyframe(1, 1);
        relay.settle();
        TestPeer stuck = relay.join("r", "stuck");
        stall(pub, stuck);
        long occupancy = relay.core.ringOccupancy(0);
        for (int i = 0; i < 10_000; i++) {
            asker.session.requestKeyframe(pub.id(), 1);
        }
        assertTrue(relay.core.ringOccupancy(0) - occupancy <= 1, "one event in the ring for all of them");
        stuck.sink.open();
        relay.settle();
        assertEquals(9_999, relay.core.metrics().clientRequests().get(ClientRequest.KEYFRAME_COALESCED));
        assertEquals(1, relay.core.metrics().clientRequests().get(ClientRequest.BATCHES));
        long asked = pub.sink.controls(ControlMessage.KeyframeRequest.class).size();
        assertTrue(asked >= 1 && asked <= 2, "the publisher was asked, not flooded: " + asked);
    }

    @Test
    @DisplayName("stream ends are coalesced per session; those past what a participant may publish are shed, counted")
    void streamEndsCoalesceAndShed() throws Exception {
        relay = new TestRelay(RelayConfig.builder().maxStreamsPerParticipant(4).build());
        TestPeer pub = relay.join("r", "pub");
        TestPeer watcher = relay.join("r", "watcher");
        for (int s = 1; s <= 4; s++) {
            pub.audio(s);
        }
        relay.settle();
        TestPeer stuck = relay.join("r", "stuck");
        stall(relay.join("r", "staller"), stuck); // pub may publish no fifth stream to do it
        for (int round = 0; round < 3; round++) {
            for (int s = 1; s <= 10; s++) {
                pub.session.endStream(s);
            }
        }
        stuck.sink.open();
        relay.settle();
        assertEquals(4, watcher.sink.controls(ControlMessage.StreamEnded.class).size(), "each real stream ended once");
        assertEquals(6 * 3, relay.core.metrics().clientRequests().get(ClientRequest.STREAM_END_SHED));
        assertEquals(4 * 2, relay.core.metrics().clientRequests().get(ClientRequest.STREAM_END_COALESCED));
    }

    @Test
    @DisplayName("ring under pressure: keyframe requests are shed, joins and leaves still get in")
    void requestsShedUnderPressure() throws Exception {
        relay = new TestRelay(RelayConfig.builder().ringSize(64).controlReserve(8).build());
        TestPeer pub = relay.join("r", "pub");
        TestPeer asker = relay.join("r", "asker");
        TestPeer stuck = relay.join("r", "stuck");
        stall(pub, stuck);
        for (int i = 0; i < 100; i++) {
            pub.audio(1);                 // the ring fills to its reserve
        }
        for (int i = 0; i < 100; i++) {
            relay.core.join("r", "j" + i, new RecordingSink()); // into the reserve, then the overflow queue
        }
        asker.session.requestKeyframe(pub.id(), 1);
        stuck.sink.open();
        relay.settle();
        assertEquals(1, relay.core.metrics().clientRequests().get(ClientRequest.KEYFRAME_SHED));
        assertEquals(103, relay.stat(Stat.PARTICIPANTS), "no join lost");
    }

    @Test
    @DisplayName("a room whose fan-out floods the ring loses its own packets, not another room's")
    void fanOutIsChargedToItsRoom() throws Exception {
        // A ring of 1024 slots; 400 deliveries of work in all (deliveries = packets x receivers).
        relay = new TestRelay(RelayConfig.builder().ringSize(1024).ringWork(1024 * 8).build());
        TestPeer pub = relay.join("big", "pub");
        for (int i = 0; i < 50; i++) {
            relay.join("big", "w" + i);  // each packet of 'big' costs 50 deliveries
        }
        TestPeer small = relay.join("small", "pub");
        TestPeer smallWatcher = relay.join("small", "w");
        TestPeer stuck = relay.join("stuck", "s");
        TestPeer stuckPub = relay.join("stuck", "p");
        stall(stuckPub, stuck);
        for (int i = 0; i < 1000; i++) {
            pub.audio(1);                 // far more than the ring's work budget
        }
        for (int i = 0; i < 20; i++) {
            small.audio(1);
        }
        stuck.sink.open();
        relay.settle();
        assertEquals(20, smallWatcher.sink.media(small.id(), 1).size(), "the small room lost nothing");
        assertTrue(relay.core.metrics().drops(DropReason.RING_FULL)
                + relay.core.metrics().drops(DropReason.INGRESS_SHARE) >= 800, "the big room paid for its flood");
        assertEquals(0, relay.core.ringBytes(0));
        assertEquals(0, relay.core.ringWork(0), "every charge given back");
    }

    @Test
    @DisplayName("a room flooding the ring while no other room has packets waiting leaves room for another's next packet")
    void aLoneFloodLeavesHeadroomForAnotherRoom() throws Exception {
        // Only 'big' has packets waiting (the consumer is stuck inside one of its own receivers' sinks), so no fair
        // share applies to it; 'small' publishes afterwards, as a quiet room does now and then.
        relay = new TestRelay(RelayConfig.builder().ringSize(1024).ringWork(1024 * 8).build());
        TestPeer pub = relay.join("big", "pub");
        for (int i = 0; i < 50; i++) {
            relay.join("big", "w" + i);
        }
        TestPeer stuck = relay.join("big", "s");
        TestPeer small = relay.join("small", "pub");
        TestPeer smallWatcher = relay.join("small", "w");
        stall(pub, stuck);
        for (int i = 0; i < 1000; i++) {
            pub.audio(1);
        }
        for (int i = 0; i < 20; i++) {
            small.audio(1);
        }
        stuck.sink.open();
        relay.settle();
        assertEquals(20, smallWatcher.sink.media(small.id(), 1).size(), "the small room lost nothing");
        assertTrue(relay.core.metrics().drops(DropReason.INGRESS_SHARE) > 0, "the big room stopped short of the whole ring");
        assertEquals(0, relay.core.ringWork(0), "every charge given back");
    }

    @Test
    @DisplayName("two rooms of the same fan-out: under pressure the flooding one gets no more than its share")
    void fairShareUnderPressure() throws Exception {
        // 8192 deliveries of work; each room has 10 receivers, so a packet costs 11.
        relay = new TestRelay(RelayConfig.builder().ringSize(1024).ringWork(8192).build());
        TestPeer flooder = relay.join("a", "pub");
        TestPeer steady = relay.join("b", "pub");
        TestPeer steadyWatcher = relay.join("b", "w");
        for (int i = 0; i < 9; i++) {
            relay.join("a", "w" + i);
            relay.join("b", "x" + i);
        }
        relay.join("a", "w9");
        TestPeer stuck = relay.join("stuck", "s");
        TestPeer stuckPub = relay.join("stuck", "p");
        stall(stuckPub, stuck);
        for (int i = 0; i < 1000; i++) {
            flooder.audio(1);             // would fill the whole budget (744 packets) on its own
        }
        for (int i = 0; i < 20; i++) {
            steady.audio(1);
        }
        stuck.sink.open();
        relay.settle();
        assertEquals(20, steadyWatcher.sink.media(steady.id(), 1).size(), "the steady room lost nothing");
        assertTrue(relay.core.metrics().drops(DropReason.INGRESS_SHARE) > 0, "the flooder was held to its share");
    }

    @Test
    @DisplayName("a kick that lands between a JOIN's session and the JOIN itself leaves no ghost member")
    void kickRacingJoinLeavesNoGhost() throws Exception {
        relay = new TestRelay();
        relay.join("r", "host");
        // The kick is issued in the window where the session can be found but its JOIN is not yet in the ring,
        // so the shard sees the eviction first.
        relay.core.beforeJoinPublished(session ->
                assertTrue(relay.core.evict("r", session.participantId(), ErrorCodes.KICKED, "kicked while joining")));
        RecordingSink sink = new RecordingSink();
        relay.core.join("r", "racer", sink);
        relay.core.beforeJoinPublished(session -> { });
        relay.settle();

        assertEquals(1, relay.core.room("r").get(5, TimeUnit.SECONDS).participants().size(), "no ghost member");
        assertEquals(List.of(new ControlMessage.Error(ErrorCodes.KICKED, "kicked while joining")),
                sink.controls(ControlMessage.Error.class), "the joiner hears why");
        assertTrue(sink.closed());
        assertEquals(1, relay.stat(Stat.PARTICIPANTS));
        assertTrue(relay.core.session(2).isEmpty());
    }

    @Test
    @DisplayName("after the ids wrap, an id still in use is skipped: two participants never share one")
    void idsNeverCollideAfterWrap() {
        relay = new TestRelay();
        TestPeer first = relay.join("r", "first");           // id 1, stays
        relay.core.nextParticipantIdAfter(Integer.MAX_VALUE - 2);
        Set<Integer> ids = new HashSet<>();
        ids.add(first.id());
        for (int i = 0; i < 4; i++) {
            TestPeer p = relay.join("r", "p" + i);
            assertTrue(ids.add(p.id()), "id " + p.id() + " given twice");
            assertTrue(p.id() > 0);
        }
        assertEquals(5, relay.stat(Stat.PARTICIPANTS));
    }
}
