package io.kfrelay.room;

import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: grants decide what a participant may do. Without canSubscribe it sees the room (control) but is sent no
 * media at all, live or replayed; without canPublish its media is dropped and counted, and the first packet
 * evicts it with one ERROR PUBLISH_NOT_ALLOWED.
 */
class GrantsTest {
    private static final Grants SUBSCRIBE_ONLY = new Grants(false, true);
    private static final Grants PUBLISH_ONLY = new Grants(true, false);

    private TestRelay relay;

    @AfterEach
    void close() {
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    @DisplayName("without canSubscribe: JOINED and room events, but no media, no replay and no keyframe requests")
    void publishOnlyParticipantReceivesNoMedia() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(1, 3); // cached: a subscriber joining now would be replayed it
        relay.settle();

        TestPeer blind = relay.join("r", "blind", PUBLISH_ONLY);
        TestPeer viewer = relay.join("r", "viewer");
        long requestsBefore = relay.stat(Stat.KEYFRAME_REQUESTS_SENT);
        blind.session.requestKeyframe(pub.id(), 1);
        pub.delta(1);
        pub.keyframe(1, 2);
        pub.audio(2);
        relay.settle();

        assertEquals(List.of(), blind.sink.media(), "no media of any kind");
        assertEquals(1, blind.sink.controls(ControlMessage.Joined.class).size());
        assertEquals(1, blind.sink.controls(ControlMessage.Joined.class).getFirst().participants().size(),
                "JOINED lists who is there");
        assertTrue(blind.sink.controls(ControlMessage.StreamStarted.class).stream().anyMatch(s -> s.streamId() == 2),
                "STREAM_STARTED still arrives");
        assertEquals(requestsBefore, relay.stat(Stat.KEYFRAME_REQUESTS_SENT), "its keyframe request is ignored");
        assertEquals(3 + 1 + 2 + 1, viewer.sink.media().size(), "the others are unaffected: replay + live");

        // It may still publish, and the others receive it.
        blind.keyframe(7, 1);
        relay.settle();
        assertEquals(1, viewer.sink.media(blind.id(), 7).size());
    }

    @Test
    @DisplayName("without canPublish: media is dropped and counted; the first packet evicts with one ERROR")
    void subscribeOnlyParticipantThatPublishesIsEvicted() {
        relay = new TestRelay();
        TestPeer other = relay.join("r", "other");
        TestPeer viewer = relay.join("r", "viewer", SUBSCRIBE_ONLY);
        other.keyframe(1, 1);
        relay.settle();
        assertEquals(1, viewer.sink.media().size(), "it does receive");

        assertEquals(DecodeStatus.OK, viewer.send(3, io.kfrelay.protocol.Protocol.KIND_VIDEO, 0x0B, 100));
        viewer.delta(3);
        viewer.delta(3);
        relay.settle();

        assertEquals(3, relay.core.metrics().drops(DropReason.PUBLISH_NOT_ALLOWED), "every packet counted");
        List<ControlMessage.Error> errors = viewer.sink.controls(ControlMessage.Error.class);
        assertEquals(1, errors.size(), () -> "one ERROR: " + viewer.sink.all());
        assertEquals(ErrorCodes.PUBLISH_NOT_ALLOWED, errors.getFirst().code());
        assertTrue(viewer.sink.closed());
        assertTrue(other.sink.media(viewer.id(), 3).isEmpty(), "nothing of it was forwarded");
        assertTrue(other.sink.controls(ControlMessage.StreamStarted.class).isEmpty(), "no stream was started");
        assertEquals(List.of(new ControlMessage.ParticipantLeft(viewer.id())),
                other.sink.controls(ControlMessage.ParticipantLeft.class));
        assertEquals(1, relay.stat(Stat.PARTICIPANTS));
        assertFalse(viewer.session.canPublish());
    }
}
