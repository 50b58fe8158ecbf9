package io.kfrelay.client;

import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.ControlMessage.Peer;
import io.kfrelay.protocol.ControlMessage.Simulcast;
import io.kfrelay.protocol.ControlMessage.StreamInfo;
import io.kfrelay.protocol.ControlMessage.Subscribe;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What a reconnected session asks for again: subscriptions follow the publisher's identity to its new id. */
class RejoinPlanTest {
    private static Peer peer(long id, String identity, int... streams) {
        return new Peer(id, identity, java.util.Arrays.stream(streams)
                .mapToObj(s -> new StreamInfo(s, Protocol.KIND_VIDEO)).toList());
    }

    @Test
    void subscriptionsAreSentAgainWithThePublishersNewIdsOnceEach() {
        RejoinPlan plan = new RejoinPlan();
        plan.joined(new Joined(1, "r", List.of(peer(2, "cam", 1, 2), peer(3, "mic", 5))));
        plan.subscribed(2, 1, 0);
        plan.subscribed(3, 5, Protocol.LAYER_AUTO);
        plan.subscribed(2, 2, 1);
        plan.unsubscribed(2, 2);
        assertNull(plan.onStreamStarted(2, 1), "asked in this session already: nothing again");

        // Reconnected: cam is back as 7 with its stream 1; mic comes later as 9.
        Joined again = new Joined(4, "r", List.of(peer(7, "cam", 1, 2)));
        plan.joined(again);
        assertEquals(List.of(new Subscribe(7, 1, 0)), plan.subscriptionsIn(again), "stream 2 was unsubscribed");
        assertNull(plan.onStreamStarted(7, 1), "once");
        plan.participantJoined(9, "mic");
        assertNull(plan.onStreamStarted(9, 4), "a stream never subscribed to");
        assertEquals(new Subscribe(9, 5, Protocol.LAYER_AUTO), plan.onStreamStarted(9, 5));
        assertNull(plan.onStreamStarted(9, 5));
    }

    @Test
    void simulcastDeclarationsAreKeptBySource() {
        RejoinPlan plan = new RejoinPlan();
        plan.declaredSimulcast(List.of(1, 2, 3));
        plan.declaredSimulcast(List.of(1, 2));
        assertEquals(List.of(new Simulcast(0, List.of(1, 2))), plan.simulcastDeclarations());
    }
}
