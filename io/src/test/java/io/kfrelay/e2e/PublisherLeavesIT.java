package io.kfrelay.e2e;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.media.h264.AccessUnits;
import io.kfrelay.media.h264.SampleStream;
import io.kfrelay.metrics.Stat;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.RoomInfo;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: when a publisher leaves (LEAVE, or just disconnects), every subscriber hears STREAM_ENDED for each of its
 * streams and then PARTICIPANT_LEFT, and the relay frees its cache: the cache gauge drops to 0. Over WebSocket and
 * QUIC (there a disconnect closes the QUIC connection).
 */
@Timeout(30)
class PublisherLeavesIT {

    enum HowItGoes { LEAVE, DISCONNECT }

    static Stream<Arguments> waysAndTransports() {
        return Stream.of(HowItGoes.values()).flatMap(h -> Stream.of(Transport.values()).map(t -> Arguments.of(h, t)));
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("waysAndTransports")
    void subscribersHearStreamEndedAndParticipantLeftAndTheCacheIsFreed(HowItGoes how, Transport transport) throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.GOP)) {
            RelayCore core = relay.core();
            Received sub = new Received();
            relay.join("talk", "listener", sub, transport);
            KfRelayClient dave = relay.join("talk", "dave", new Received(), transport);
            long id = dave.participantId();

            List<AccessUnit> frames = AccessUnits.of(SampleStream.bytes()).subList(0, 10);
            for (int i = 0; i < frames.size(); i++) {
                AccessUnit au = frames.get(i);
                dave.publishFrame(1, Protocol.KIND_VIDEO, au.keyframe(),
                        Unpooled.wrappedBuffer(au.buf(), au.offset(), au.length()), i * 3000L);
                dave.publishFrame(2, Protocol.KIND_AUDIO, false, new byte[160], i * 960L);
            }
            Eventually.within(Duration.ofSeconds(5), "the subscriber receives dave's 10 video and 10 audio frames",
                    () -> sub.count(p -> p.frameEnd()) == 20);
            assertTrue(cacheBytes(core) > 0, "dave's keyframe and GOP are cached");

            if (how == HowItGoes.LEAVE) {
                dave.leave();
            } else {
                dave.close();
            }

            Eventually.within(Duration.ofSeconds(5), () -> "STREAM_ENDED x2 and PARTICIPANT_LEFT, got " + sub.events,
                    () -> sub.events.contains("left " + id));
            List<String> aboutDave = sub.events.stream().filter(e -> e.contains(" " + id)).toList();
            assertEquals(List.of("joined " + id, "started " + id + "/1 video", "started " + id + "/2 audio",
                    "ended " + id + "/1", "ended " + id + "/2", "left " + id), sorted(aboutDave),
                    "the streams end before their publisher is gone");
            Eventually.within(Duration.ofSeconds(5), () -> "cache bytes back to 0, is " + cacheBytes(core),
                    () -> cacheBytes(core) == 0);
            assertEquals(0, core.metrics().stat(Stat.CACHE_ENTRIES));
            RoomInfo room = core.room("talk").get(5, TimeUnit.SECONDS);
            assertEquals(List.of("listener"), room.participants().stream().map(RoomInfo.ParticipantInfo::identity).toList());
        }
    }

    /** Stream ends may come in either stream order; everything else keeps its order. */
    private static List<String> sorted(List<String> events) {
        List<String> ends = events.stream().filter(e -> e.startsWith("ended")).sorted().toList();
        List<String> out = new ArrayList<>();
        for (String e : events) {
            if (e.startsWith("ended")) {
                if (!out.contains(ends.getFirst())) {
                    out.addAll(ends);
                }
            } else {
                out.add(e);
            }
        }
        return out;
    }

    private static long cacheBytes(RelayCore core) {
        core.sync().orTimeout(5, TimeUnit.SECONDS).join(); // the gauge as of every event so far
        return core.metrics().stat(Stat.CACHE_BYTES);
    }
}
