package io.kfrelay.e2e;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: WebSocket and QUIC participants share a room as equals: everyone receives everyone else's packets, each
 * once, whichever transport either side uses.
 */
@Timeout(30)
class MixedRoomIT {

    private record Member(Transport transport, KfRelayClient client, Received received, Set<String> sent) {
    }

    @Test
    void everyoneReceivesEveryoneAcrossTransports() throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME)) {
            List<Member> members = new ArrayList<>();
            for (Transport t : List.of(Transport.WS, Transport.QUIC, Transport.WS, Transport.QUIC)) {
                Received r = new Received();
                members.add(new Member(t, relay.join("mixed", t + "-" + members.size(), r, t), r, new HashSet<>()));
            }
            Eventually.within(Duration.ofSeconds(5), "everyone knows the 3 others", () -> members.stream().allMatch(m ->
                    m.client().joined().participants().size()
                            + m.received().events.stream().filter(e -> e.startsWith("joined")).count() == 3));
            for (Member m : members) {
                long me = m.client().participantId();
                for (int f = 0; f < 5; f++) {
                    long first = m.client().nextSequence(1);
                    int n = m.client().publishFrame(1, Protocol.KIND_VIDEO, f == 0, new byte[f == 0 ? 3000 : 500], f * 3000L);
                    for (int i = 0; i < n; i++) {
                        m.sent().add(me + "#" + (first + i));
                    }
                }
            }
            for (Member m : members) {
                Set<String> expected = new HashSet<>();
                members.stream().filter(o -> o != m).forEach(o -> expected.addAll(o.sent()));
                Eventually.within(Duration.ofSeconds(5), () -> m.transport() + " participant gets " + expected.size()
                        + " packets, has " + m.received().packetCount() + "; " + relay.counters(),
                        () -> m.received().packetCount() >= expected.size());
                List<String> got = m.received().packets().stream().map(p -> p.sender() + "#" + p.seq()).toList();
                assertEquals(expected, new HashSet<>(got), m.transport() + ": exactly the others' packets");
                assertEquals(got.size(), new HashSet<>(got).size(), "no packet twice");
                assertTrue(m.received().errors.isEmpty(), () -> "no client errors: " + m.received().errors);
            }
        }
    }
}
