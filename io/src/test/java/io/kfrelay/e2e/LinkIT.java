package io.kfrelay.e2e;

import io.kfrelay.cli.FilePublisher;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.media.h264.AccessUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 12): a gop-mode late joiner on a real, rate-limited link gets the cached GOP of a real 720p stream and
 * then the live stream, without a gap, and its recording decodes, with the relay's default options (gop mode aside).
 *
 * <p>Set-up per case: a {@link RateLimitedLink} (a network namespace behind a veth pair, {@code tc tbf} at 6, 20 or
 * 50 Mbit/s towards the namespace, {@value #BURST_BYTES}-byte bucket, {@value #QUEUE_MILLIS} ms of queue);
 * {@code kfrelay serve --cache-mode gop} in its own JVM on the host end; a publisher on this host looping
 * {@link TestVideo#HD_720P} (1280x720, ~3 Mbit/s, an IDR of 200-400 KB every 4 s) in real time over WebSocket;
 * {@code kfrelay record} in its own JVM inside the namespace, over WebSocket or QUIC, started 2.5 s after the
 * publisher's second IDR (mid-GOP, the relay running for a GOP already) and recording for {@value #RECORD_SECONDS} s.
 *
 * <p>Checked: the replay is there (the stream starts with a replayed keyframe); no sequence number is missing
 * from the first replayed packet on; the recording decodes (ffmpeg prints no error, no frame is missing); and, so
 * that a busy machine is not mistaken for a relay fault, that the publisher sent every frame on time. Each case
 * prints one line with its figures (replayed packets, holes, time to the first complete keyframe, link and relay
 * counters). Skipped where network namespaces cannot be made (needs root and iproute2) or ffmpeg is missing.
 * {@code -Dkfrelay.linktest.serve="--keyframe-cap 1m"} adds relay options, for experiments.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LinkIT {
    static final int BURST_BYTES = 32 * 1024;
    static final int QUEUE_MILLIS = 100;
    static final int RECORD_SECONDS = 6;
    /**
     * When the recorder starts: 2.5 s into the second GOP. A run that joined in the first, with the relay just
     * started, saw the publisher skip a frame there (it skips a delta it cannot send within a frame interval), and
     * the recording missed a frame for a reason that was not the cache's.
     */
    private static final Duration JOIN_AT = Duration.ofMillis(4000 + 2500);
    private static final String ROOM = "link";

    static Stream<Arguments> links() {
        return Stream.of(Transport.values()).flatMap(t -> Stream.of(6, 20, 50).map(mbit -> Arguments.of(t, mbit)));
    }

    @ParameterizedTest(name = "{0} behind {1} Mbit/s")
    @MethodSource("links")
    void aGopModeLateJoinerGetsTheGopAndTheLiveStreamGapFreeAndDecodable(Transport transport, int mbit) throws Exception {
        List<AccessUnit> video = TestVideo.HD_720P.accessUnits();
        Path dir = freshDirectory(Path.of("target", "link-tests", transport.name().toLowerCase() + "-" + mbit + "mbit"));
        Path recording = dir.resolve("recording");
        long caseStart = System.nanoTime();
        try (RateLimitedLink link = RateLimitedLink.open(mbit * 1_000_000L, BURST_BYTES, Duration.ofMillis(QUEUE_MILLIS));
             RelayProcess relay = RelayProcess.start(link.hostAddress(), relayOptions(), dir);
             SamplePublisher camera = SamplePublisher.video(video, relay.url(Transport.WS), ClientOptions.defaults(),
                     ROOM, "camera");
             // The publisher sent its first frame, an IDR, as it started; the next ones come every 4 s.
             // Meanwhile the recorder's JVM starts and warms up.
             RecorderProcess joiner = RecorderProcess.start(link::inside, relay.url(transport),
                     transport == Transport.QUIC ? relay.pin() : null, ROOM, recording,
                     Duration.ofSeconds(RECORD_SECONDS), dir)) {
            long untilJoin = camera.startNanos() + JOIN_AT.toNanos() - System.nanoTime();
            Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(untilJoin)));
            joiner.go();
            RecorderProcess.Run run = joiner.finish();
            FilePublisher.Result sent = camera.stop();
            assertEquals(0, run.status(), () -> "the recorder ran: " + joiner.transcript());

            RecordedStream stream = RecordedStream.of(
                    RecordedPackets.read(recording.resolve("packets.jsonl")).stream(camera.id(), SamplePublisher.VIDEO));
            Decoding decoding = Decoding.of(recording.resolve(camera.id() + "-" + SamplePublisher.VIDEO + ".h264"));
            String report = String.format("link %s %d Mbit/s: %s; first complete keyframe %s; recording: %s;"
                            + " publisher: %s%n  link: %s%n  relay:%n%s%n  recorder: %s",
                    transport, mbit, stream, stream.firstKeyframeMicros() < 0 ? "never"
                            : (stream.firstKeyframeMicros() - run.startMicros()) / 1000 + " ms after the recorder started ("
                            + (stream.firstKeyframeMicros() - run.joinedMicros()) / 1000 + " ms after JOINED)",
                    decoding, sent, link.stats(), relay.tellingMetrics(), run.summary());
            System.out.println(report);
            System.out.printf("link %s %d Mbit/s: the recorder started %d ms after the publisher; the case took %d ms%n",
                    transport, mbit, (run.startMicros() - RecordedPackets.epochMicros(camera.startedAt())) / 1000,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - caseStart));
            assertAll(report,
                    () -> assertTrue(stream.replayed() > 0, "the joiner got a replay"),
                    () -> assertTrue(stream.startsWithReplayedKeyframe(), "the stream starts with a replayed keyframe"),
                    () -> assertTrue(stream.holes().isEmpty(), "no packet missing from the first replayed packet on"),
                    () -> assertTrue(decoding.clean(), "the recording decodes"),
                    () -> assertEquals(0, sent.skipped(), "the publisher sent every frame on time (it skips a delta it "
                            + "cannot send within a frame interval, which breaks the stream before the relay: the relay "
                            + "stopped reading it, or the machine was too busy)"));
        }
    }

    /** Default options but gop mode, plus -Dkfrelay.linktest.serve for experiments. */
    private static List<String> relayOptions() {
        List<String> options = new ArrayList<>(List.of("--cache-mode", "gop"));
        String extra = System.getProperty("kfrelay.linktest.serve", "").strip();
        if (!extra.isEmpty()) {
            options.addAll(List.of(extra.split("\\s+")));
        }
        return options;
    }

    private static Path freshDirectory(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> old = Files.walk(dir)) {
                for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }
}
