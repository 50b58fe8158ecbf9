package io.kfrelay.e2e;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.ControlMessage.Peer;
import io.kfrelay.protocol.ControlMessage.StreamInfo;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.kfrelay.e2e.SamplePublisher.AUDIO;
import static io.kfrelay.e2e.SamplePublisher.VIDEO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: a participant who joins a room while others publish gets, for every active video stream, a complete
 * keyframe from the relay's cache (REPLAY-flagged) before any live packet of that stream. In gop mode it gets the
 * whole group of pictures since that keyframe too, so its sequence numbers run without a gap from the first packet.
 * The same over WebSocket and over QUIC.
 */
@Timeout(60)
class LateJoinerIT {

    static Stream<Arguments> modesAndTransports() {
        return Stream.of(CacheMode.values()).flatMap(m -> Stream.of(Transport.values()).map(t -> Arguments.of(m, t)));
    }

    @ParameterizedTest(name = "{0} mode over {1}")
    @MethodSource("modesAndTransports")
    void aLateJoinerGetsACompleteKeyframeOfEveryVideoStreamBeforeAnyLivePacketOfIt(CacheMode mode, Transport transport)
            throws Exception {
        try (TestRelay relay = TestRelay.start(mode);
             SamplePublisher alice = SamplePublisher.videoOnly(relay, "stage", "alice", transport);
             SamplePublisher bob = SamplePublisher.videoAndAudio(relay, "stage", "bob", transport)) {
            // Join in the middle of the second GOP (the sample has an IDR every 30 frames at 30 fps).
            Thread.sleep(1400);
            Received late = new Received();
            KfRelayClient joiner = relay.join("stage", "late", late, transport);
            Eventually.within(Duration.ofSeconds(5), () -> "the late joiner receives a second of both video streams, has "
                            + late.stream(alice.id(), VIDEO).size() + " and " + late.stream(bob.id(), VIDEO).size()
                            + " packets; errors " + late.errors + "; " + relay.counters(),
                    () -> late.stream(alice.id(), VIDEO).size() > 30 && late.stream(bob.id(), VIDEO).size() > 30);
            alice.stop();
            bob.stop();

            Joined joined = joiner.joined();
            assertEquals(Map.of(alice.id(), List.of(new StreamInfo(VIDEO, Protocol.KIND_VIDEO)),
                            bob.id(), List.of(new StreamInfo(VIDEO, Protocol.KIND_VIDEO), new StreamInfo(AUDIO, Protocol.KIND_AUDIO))),
                    joined.participants().stream().collect(Collectors.toMap(Peer::id, p -> p.streams().stream()
                            .sorted(Comparator.comparingInt(StreamInfo::streamId)).toList())),
                    "JOINED lists both publishers with their streams");

            for (long publisher : List.of(alice.id(), bob.id())) {
                List<Received.Packet> video = late.stream(publisher, VIDEO);
                String which = "video of participant " + publisher + " (" + mode + " mode, " + transport + ")";
                int keyframeEnd = assertStartsWithReplayedKeyframe(video, which);
                int firstLive = indexOfFirstLive(video);
                assertTrue(firstLive > keyframeEnd, which + ": no live packet before the replayed keyframe is complete");
                if (mode == CacheMode.GOP) {
                    assertGapFree(video, which);
                } else {
                    assertTrue(video.subList(keyframeEnd + 1, video.size()).stream().noneMatch(Received.Packet::replay),
                            which + ": keyframe mode replays exactly one keyframe");
                }
            }
            List<Received.Packet> audio = late.stream(bob.id(), AUDIO);
            assertFalse(audio.isEmpty(), "the joiner receives bob's audio");
            assertTrue(audio.stream().noneMatch(Received.Packet::replay), "audio is never cached nor replayed");
            assertTrue(late.errors.isEmpty(), () -> "no client errors: " + late.errors);
        }
    }

    /** The stream starts with a REPLAY-flagged keyframe, FRAME_START to FRAME_END, consecutive; returns its end. */
    static int assertStartsWithReplayedKeyframe(List<Received.Packet> packets, String which) {
        assertFalse(packets.isEmpty(), which + ": nothing received");
        Received.Packet first = packets.getFirst();
        assertTrue(first.replay() && first.frameStart() && first.keyframe(),
                which + ": the first packet is a REPLAY-flagged FRAME_START keyframe packet, was flags " + first.flags());
        for (int i = 0; i < packets.size(); i++) {
            Received.Packet p = packets.get(i);
            assertTrue(p.keyframe() && p.replay(), which + ": packet " + i + " of the first frame is a replayed keyframe packet");
            if (i > 0) {
                assertEquals(1, MediaHeader.seqDelta(packets.get(i - 1).seq(), p.seq()), which + ": keyframe packets are consecutive");
                assertEquals(first.timestamp(), p.timestamp(), which + ": one frame, one timestamp");
            }
            if (p.frameEnd()) {
                return i;
            }
        }
        throw new AssertionError(which + ": the first keyframe never ended");
    }

    static int indexOfFirstLive(List<Received.Packet> packets) {
        for (int i = 0; i < packets.size(); i++) {
            if (!packets.get(i).replay()) {
                return i;
            }
        }
        return packets.size();
    }

    static void assertGapFree(List<Received.Packet> packets, String which) {
        for (int i = 1; i < packets.size(); i++) {
            int step = MediaHeader.seqDelta(packets.get(i - 1).seq(), packets.get(i).seq());
            if (step != 1) {
                throw new AssertionError(which + ": sequence jumps by " + step + " at packet " + i + " ("
                        + packets.get(i - 1) + " then " + packets.get(i) + ")");
            }
        }
    }
}
