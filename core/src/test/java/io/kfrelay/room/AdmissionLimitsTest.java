package io.kfrelay.room;

import io.kfrelay.config.RelayConfig;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec: the relay refuses a JOIN past its room and participant limits with a clear ERROR, and forgets the joiner. */
class AdmissionLimitsTest {
    private TestRelay relay;

    @AfterEach
    void close() {
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    @DisplayName("a JOIN into a full room is refused with ROOM_FULL; a seat freed by a leave can be taken again")
    void fullRoomRefusesTheNextJoiner() {
        relay = new TestRelay(RelayConfig.builder().maxParticipantsPerRoom(2).build());
        TestPeer a = relay.join("r", "a");
        relay.join("r", "b");

        TestPeer c = relay.join("r", "c", Grants.ALL);
        assertRefused(c, ErrorCodes.ROOM_FULL);
        assertEquals(2, relay.stat(Stat.PARTICIPANTS), "the refused joiner left no trace");
        assertEquals(1, relay.stat(Stat.JOINS_REJECTED));
        assertTrue(a.sink.controls(ControlMessage.ParticipantJoined.class).stream()
                .noneMatch(j -> j.identity().equals("c")), "nobody heard of the refused joiner");

        relay.join("other", "d"); // the limit is per room
        a.session.leave();
        relay.settle();
        TestPeer e = relay.join("r", "e", Grants.ALL);
        assertEquals(1, e.sink.controls(ControlMessage.Joined.class).size(), "a freed seat is usable");
    }

    @Test
    @DisplayName("the room limit holds across shards: the JOIN that would open one room too many gets TOO_MANY_ROOMS")
    void roomLimitIsRelayWide() {
        relay = new TestRelay(RelayConfig.builder().shards(4).maxRooms(3).build());
        List<TestPeer> firsts = List.of(relay.join("r1", "a"), relay.join("r2", "a"), relay.join("r3", "a"));
        TestPeer fourth = relay.join("r4", "a", Grants.ALL);
        assertRefused(fourth, ErrorCodes.TOO_MANY_ROOMS);
        assertEquals(3, relay.stat(Stat.ROOMS));

        relay.join("r2", "b"); // joining an existing room opens none
        firsts.getFirst().session.leave(); // r1 empties and closes: its slot comes back
        relay.settle();
        TestPeer again = relay.join("r4", "a", Grants.ALL);
        assertEquals(1, again.sink.controls(ControlMessage.Joined.class).size());
        assertEquals(3, relay.stat(Stat.ROOMS));
    }

    @Test
    @DisplayName("limits are validated with messages that name the option")
    void limitsAreValidated() {
        assertEquals("max-participants-per-room must be 1..65535, was 0", assertThrows(IllegalArgumentException.class,
                () -> RelayConfig.builder().maxParticipantsPerRoom(0).build()).getMessage());
        assertEquals("max-rooms must be at least 1, was 0", assertThrows(IllegalArgumentException.class,
                () -> RelayConfig.builder().maxRooms(0).build()).getMessage());
        RelayConfig defaults = RelayConfig.defaults();
        assertEquals(1000, defaults.maxParticipantsPerRoom());
        assertEquals(10_000, defaults.maxRooms());
    }

    static void assertRefused(TestPeer peer, int code) {
        RecordingSink sink = peer.sink;
        assertTrue(sink.controls(ControlMessage.Joined.class).isEmpty(), () -> "no JOINED: " + sink.all());
        List<ControlMessage.Error> errors = sink.controls(ControlMessage.Error.class);
        assertEquals(1, errors.size(), () -> "exactly one ERROR: " + sink.all());
        assertEquals(code, errors.getFirst().code(), () -> "ERROR " + errors.getFirst());
        assertTrue(sink.closed(), "the refused joiner's sink is closed");
    }
}
