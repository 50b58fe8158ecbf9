package io.kfrelay.pipeline;

import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.Grants;
import io.kfrelay.testing.RecordingSink.Demand;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the core does for a cluster's cascade (docs/CLUSTER.md): an edge's stand-in of a publisher at the origin
 * ({@link Grants#MIRROR}) announces streams before their first packet and hears when a stream gets its first receiver
 * and loses its last; an edge's session at the origin ({@link Grants#EDGE}) may take single simulcast layers as plain
 * streams; and no relay participant is ever given a relay participant's stream, so cascades cannot loop.
 */
class CascadeRulesTest {
    private static final int CAM = 1;
    private TestRelay relay;

    @AfterEach
    void close() {
        relay.close();
    }

    @Test
    @DisplayName("a stand-in's announced stream is in the room before its first packet; receivers subscribe to it")
    void announcedStreamExistsBeforeItsFirstPacket() {
        relay = new TestRelay();
        TestPeer standIn = relay.joinManual("r", "camera", Grants.MIRROR);
        standIn.session.announceStream(CAM, Protocol.KIND_VIDEO);
        relay.settle();

        TestPeer viewer = relay.join("r", "viewer");
        ControlMessage.Joined joined = viewer.sink.controls(ControlMessage.Joined.class).getFirst();
        assertEquals(List.of(new ControlMessage.StreamInfo(CAM, Protocol.KIND_VIDEO)),
                joined.participants().getFirst().streams(), "the stream is in the viewer's roster");

        standIn.keyframe(CAM, 2);
        relay.settle();
        assertEquals(2, viewer.sink.media(standIn.id(), CAM).size(), "and its packets reach the viewer");
    }

    @Test
    @DisplayName("an ordinary publisher cannot announce a stream without sending it")
    void onlyStandInsAnnounce() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        TestPeer viewer = relay.join("r", "viewer");
        pub.session.announceStream(CAM, Protocol.KIND_VIDEO);
        relay.settle();
        assertTrue(viewer.sink.controls(ControlMessage.StreamStarted.class).isEmpty());
    }

    @Test
    @DisplayName("a stand-in hears when its stream gets its first receiver and loses its last, once each")
    void demandFollowsTheFirstAndLastReceiver() {
        relay = new TestRelay();
        TestPeer standIn = relay.joinManual("r", "camera", Grants.MIRROR);
        standIn.session.announceStream(CAM, Protocol.KIND_VIDEO);
        relay.settle();
        assertEquals(List.of(), standIn.sink.demands(), "nobody receives it yet");

        TestPeer first = relay.join("r", "first");
        TestPeer second = relay.joinManual("r", "second");
        second.subscribe(standIn, CAM, 0);
        relay.settle();
        assertEquals(List.of(new Demand(CAM, true)), standIn.sink.demands(), "the first receiver, not the second");

        first.session.leave();
        second.unsubscribe(standIn, CAM);
        relay.settle();
        assertEquals(List.of(new Demand(CAM, true), new Demand(CAM, false)), standIn.sink.demands(),
                "the last receiver gone");
    }

    @Test
    @DisplayName("an edge's session takes two simulcast layers of one source at once, each as a plain stream")
    void anEdgeTakesSingleLayers() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.simulcast(1, 2, 3);
        relay.settle();
        pub.keyframe(1, 2);
        pub.keyframe(3, 2);
        relay.settle();

        TestPeer edge = relay.joinManual("r", "edge:b", Grants.EDGE);
        edge.subscribe(pub, 1, 0);
        edge.subscribe(pub, 3, 0);
        relay.settle();
        pub.delta(1);
        pub.delta(3);
        relay.settle();

        assertEquals(3, edge.sink.media(pub.id(), 1).size(), "layer 0: its cached keyframe (2) and a delta");
        assertEquals(3, edge.sink.media(pub.id(), 3).size(), "layer 2 as well");
        assertTrue(edge.sink.controls(ControlMessage.Layer.class).isEmpty(), "no layer switching for an edge");
    }

    @Test
    @DisplayName("a relay participant is never given a stand-in's stream: a relayed packet is not relayed again")
    void relayedStreamsAreNotRelayedAgain() {
        relay = new TestRelay();
        TestPeer standIn = relay.joinManual("r", "camera", Grants.MIRROR);
        standIn.session.announceStream(CAM, Protocol.KIND_VIDEO);
        relay.settle();
        TestPeer edge = relay.joinManual("r", "edge:c", Grants.EDGE);
        edge.subscribe(standIn, CAM, 0);
        relay.settle();
        standIn.keyframe(CAM, 2);
        relay.settle();

        assertTrue(edge.sink.media().isEmpty(), "nothing relayed: " + edge.sink.media());
        List<ControlMessage.SubscribeRefused> refused = edge.sink.controls(ControlMessage.SubscribeRefused.class);
        assertEquals(1, refused.size());
        assertEquals(ErrorCodes.NO_SUCH_STREAM, refused.getFirst().code());
        assertEquals(List.of(), standIn.sink.demands(), "and the stand-in was never asked for it");
    }
}
