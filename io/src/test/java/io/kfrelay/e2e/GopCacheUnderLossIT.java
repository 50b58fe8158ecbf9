package io.kfrelay.e2e;

import io.kfrelay.cli.FilePublisher;
import io.kfrelay.cli.Recorder;
import io.kfrelay.config.CacheMode;
import io.kfrelay.metrics.KeyframeReject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 12): a cached GOP never has a hole, even when the publisher's QUIC datagrams are lost on the way to
 * the relay. Checked from the outside: the publisher sends {@link TestVideo#SD_360P} (a GOP of some 250 packets
 * every 2 s) over QUIC through a {@link LossyUdpProxy} that loses {@value #LOSS_PERCENT} % of its packets; late
 * joiners come one after another at random points of the stream, over WebSocket on loopback (lossless, so whatever
 * is missing from a replay was missing in the cache). Each must get a replay that starts with a keyframe and has
 * no hole from its first to its last REPLAY-flagged packet, and the frames replayed to it must decode (ffmpeg
 * prints no error, no frame is missing). What comes live after the replay may have holes: those are the uplink's
 * losses, forwarded as they happen, and not the cache's business.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GopCacheUnderLossIT {
    static final int LOSS_PERCENT = 2;
    private static final int JOINERS = 8;
    private static final long SEED = 12;
    private static final String ROOM = "lossy";

    @TempDir
    Path out;

    @Test
    void lateJoinersGetReplaysWithoutAHoleWhileThePublishersDatagramsAreLost() throws Exception {
        var video = TestVideo.SD_360P.accessUnits();
        try (TestRelay relay = TestRelay.start(CacheMode.GOP);
             LossyUdpProxy uplink = new LossyUdpProxy(
                     new InetSocketAddress("127.0.0.1", relay.server().quic().address().getPort()));
             SamplePublisher camera = SamplePublisher.video(video, "camera", l -> relay.join(
                     URI.create("quic://127.0.0.1:" + uplink.port()), ROOM, "camera", l, relay.options(Transport.QUIC)))) {
            uplink.loseClientPackets(LOSS_PERCENT / 100.0, SEED);
            SplittableRandom random = new SplittableRandom(SEED);
            List<String> reports = new ArrayList<>();
            List<Executable> checks = new ArrayList<>();
            for (int i = 0; i < JOINERS; i++) {
                Thread.sleep(500 + random.nextInt(2000)); // anywhere in a 2 s GOP
                Path dir = out.resolve("joiner-" + i);
                Recorder recorder = Recorder.start(relay.url(Transport.WS), ROOM, "late-" + i, "", dir,
                        relay.options(Transport.WS), new PrintWriter(Writer.nullWriter()));
                Thread.sleep(1000);
                recorder.stop();
                RecordedStream stream = RecordedStream.of(
                        RecordedPackets.read(dir.resolve("packets.jsonl")).stream(camera.id(), SamplePublisher.VIDEO));
                Decoding replay = Decoding.ofFirstFrames(dir.resolve(camera.id() + "-" + SamplePublisher.VIDEO + ".h264"),
                        stream.replayedFrames(), dir.resolve("replayed.h264"));
                String joiner = "joiner " + i;
                reports.add(joiner + ": " + stream + "; " + stream.replayMissing() + " missing inside the replay; replayed "
                        + replay);
                checks.add(() -> assertTrue(stream.replayed() > 0 && stream.startsWithReplayedKeyframe(),
                        joiner + " gets a replay starting with a keyframe"));
                checks.add(() -> assertTrue(stream.replayHoles().isEmpty(), joiner + ": no hole in the replay"));
                checks.add(() -> assertTrue(replay.clean(), joiner + ": the replayed frames decode"));
            }
            FilePublisher.Result sent = camera.stop();
            relay.core().sync().get(5, TimeUnit.SECONDS);
            String summary = String.format("QUIC uplink losing %d %%: %d packets lost, %d forwarded; publisher %s;"
                            + " keyframes refused with a gap: %d; %s%n  %s", LOSS_PERCENT, uplink.dropped(),
                    uplink.forwarded(), sent, relay.core().metrics().keyframeRejects(KeyframeReject.GAP), relay.counters(),
                    String.join("\n  ", reports));
            System.out.println(summary);
            assertAll(summary, checks.stream());
        }
    }
}
