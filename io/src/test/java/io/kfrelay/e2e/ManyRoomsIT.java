package io.kfrelay.e2e;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: with many rooms busy at once, every packet is accounted for: each participant receives exactly what
 * every other member of its room sent (each packet once), and nothing from any other room; over WebSocket and QUIC.
 */
@Timeout(60)
class ManyRoomsIT {
    private static final int ROOMS = 20;
    private static final int PER_ROOM = 5;
    private static final int VIDEO_FRAMES = 6;
    private static final int AUDIO_FRAMES = 10;

    /** One participant: its client, what it received, and every (stream, seq) it sent. */
    private record Member(int room, KfRelayClient client, Received received, Set<String> sent) {
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void everyReceiverGetsExactlyWhatTheOthersInItsRoomSentAndNothingElse(Transport transport) throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME)) {
            List<Member> members = new ArrayList<>();
            for (int r = 0; r < ROOMS; r++) {
                for (int i = 0; i < PER_ROOM; i++) {
                    Received received = new Received();
                    KfRelayClient c = relay.join("room-" + r, "p" + i, received, transport);
                    members.add(new Member(r, c, received, ConcurrentHashMap.newKeySet()));
                }
            }
            // Publish only once everyone knows everyone: nobody is a late joiner, so nothing is replayed.
            for (Member m : members) {
                Eventually.within(Duration.ofSeconds(10), "everyone sees the 4 others of its room",
                        () -> m.client().joined().participants().size()
                                + m.received().events.stream().filter(e -> e.startsWith("joined")).count() == PER_ROOM - 1);
            }

            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<?>> sends = new ArrayList<>();
                for (Member m : members) {
                    sends.add(pool.submit(() -> publishALittle(m)));
                }
                for (Future<?> f : sends) {
                    f.get();
                }
            }

            for (Member m : members) {
                Set<String> expected = new HashSet<>();
                for (Member other : members) {
                    if (other.room() == m.room() && other != m) {
                        expected.addAll(other.sent());
                    }
                }
                Eventually.within(Duration.ofSeconds(20), () -> "participant " + m.client().participantId()
                                + " of room " + m.room() + " gets " + expected.size() + " packets, has " + m.received().packetCount() + "; " + relay.counters(),
                        () -> m.received().packetCount() >= expected.size());
                List<String> got = m.received().packets().stream()
                        .map(p -> key(p.sender(), p.stream(), p.seq())).toList();
                assertEquals(expected, new HashSet<>(got), "room " + m.room() + ": exactly the others' packets");
                assertEquals(got.size(), new HashSet<>(got).size(), "no packet twice");
                assertTrue(m.received().errors.isEmpty(), () -> "no client errors: " + m.received().errors);
            }
        }
    }

    /** A keyframe then deltas on video stream 1 (some frames span packets), and one-packet audio on stream 2. */
    private static void publishALittle(Member m) {
        KfRelayClient c = m.client();
        long me = c.participantId();
        for (int f = 0; f < Math.max(VIDEO_FRAMES, AUDIO_FRAMES); f++) {
            if (f < VIDEO_FRAMES) {
                long first = c.nextSequence(1);
                int n = c.publishFrame(1, Protocol.KIND_VIDEO, f == 0, new byte[f == 0 ? 3000 : 400 + 100 * f], f * 3000L);
                for (int i = 0; i < n; i++) {
                    m.sent().add(key(me, 1, first + i));
                }
            }
            if (f < AUDIO_FRAMES) {
                long seq = c.nextSequence(2);
                c.publishFrame(2, Protocol.KIND_AUDIO, false, new byte[120], f * 960L);
                m.sent().add(key(me, 2, seq));
            }
        }
    }

    private static String key(long sender, int stream, long seq) {
        return sender + "/" + stream + "#" + seq;
    }
}
