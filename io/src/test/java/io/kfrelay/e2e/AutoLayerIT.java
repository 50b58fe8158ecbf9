package io.kfrelay.e2e;

import io.kfrelay.cli.FilePublisher;
import io.kfrelay.config.AutoLayerSettings;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.LayerCause;
import io.kfrelay.room.RoomInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 13): at the auto layer the relay moves a receiver down a layer when its egress queue shows it cannot
 * keep up, and back up once it has drained for a while (hysteresis), each switch counted and told (LAYER, cause
 * congestion, recovered), each at a keyframe start, the recording decodable across them.
 *
 * <p>Set-up: a {@link RateLimitedLink} ({@code tc tbf}, {@value #BURST_BYTES}-byte bucket, {@value #QUEUE_MILLIS} ms
 * of queue) towards a network namespace; the relay in this JVM on the link's host end, gop mode, the auto layer's
 * default byte marks (down above 256 KiB unsent, up at or below 16 KiB) with shorter waits so the test stays short:
 * down after {@code 500 ms} above the mark without shrinking (default 1 s), up after {@code 1.5 s} drained (default
 * 4 s; at most two moves up, so the test ends within seconds of the link's recovery). A publisher on this host (not
 * limited) sends {@link TestVideo#SIMULCAST}: 180p ~0.17, 360p ~0.53, 720p ~1.6 Mbit/s (printed per run), IDRs on
 * the same frames every 2 s. {@code kfrelay record --layer auto} runs in its own JVM inside the namespace, over
 * WebSocket.
 *
 * <p>Phases: the link at {@value #FAST_BITS} bit/s (every layer fits: the recorder gets the top one, no switch); then
 * {@value #SLOW_BITS} bit/s (the 360p layer fits, the 720p one does not by some 0.8 Mbit/s): the relay moves the
 * recorder down (once, or twice when the backlog the 720p layer left drains too slowly on 360p: the lowest layer
 * drains it faster, and either is right); then {@value #FAST_BITS} bit/s again: it moves back up to the top layer, one
 * layer per up wait. Checked: the LAYER messages the recorder logged are the top layer, then only congestion moves
 * down, then only recovered moves up, ending at the top; the relay's counters agree and say no congestion came before
 * the link slowed and no recovery before it was restored; every layer leg the recorder got starts at a keyframe start
 * after a whole frame of the previous one and has no hole; the one file of the source decodes with no error. One
 * line reports the times (link slowed -> relay's move down, link restored -> relay's first move up and back at the
 * top) and the peak of the relay's kernel send queue towards the recorder. Skipped, with the reason, where network
 * namespaces cannot be made (needs root and iproute2) or ffmpeg is missing, as {@link LinkIT} is.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AutoLayerIT {
    private static final String ROOM = "auto";
    static final long FAST_BITS = 20_000_000;
    static final long SLOW_BITS = 800_000;
    static final int BURST_BYTES = 32 * 1024;
    static final int QUEUE_MILLIS = 100;
    private static final AutoLayerSettings AUTO = new AutoLayerSettings(AutoLayerSettings.DEFAULT_DOWN_BACKLOG_BYTES,
            AutoLayerSettings.DEFAULT_UP_BACKLOG_BYTES, Duration.ofMillis(1500), Duration.ofMillis(500));
    /** Bounds for the moves, generous: measured some 4 s down (the backlog must build first) and 2-4 s up. */
    private static final Duration DOWN_BOUND = Duration.ofSeconds(15);
    private static final Duration UP_BOUND = Duration.ofSeconds(15);
    private static final int TOP = 2;

    @Test
    void aReceiverOnTheAutoLayerMovesDownWhenItsLinkSlowsAndBackUpWhenItRecovers() throws Exception {
        List<List<AccessUnit>> frames = TestVideo.SIMULCAST.stream().map(TestVideo::accessUnits).toList();
        String sample = IntStream.range(0, frames.size()).mapToObj(i -> "layer " + i + ": "
                + TestVideo.describe(frames.get(i))).collect(Collectors.joining("; "));
        Path dir = freshDirectory(Path.of("target", "auto-layer-test"));
        Path recording = dir.resolve("recording");
        RelayConfig config = RelayConfig.builder().cacheMode(CacheMode.GOP).autoLayer(AUTO).build();
        try (RateLimitedLink link = RateLimitedLink.open(FAST_BITS, BURST_BYTES, Duration.ofMillis(QUEUE_MILLIS));
             TestRelay relay = TestRelay.startOn(link.hostAddress(), config);
             SamplePublisher camera = SamplePublisher.simulcast(frames, "camera",
                     l -> relay.join(ROOM, "camera", l, Transport.WS));
             RecorderProcess recorder = RecorderProcess.start(link::inside, relay.url(Transport.WS), null, ROOM,
                     recording, Duration.ofSeconds(60), List.of("--layer", "auto"), dir)) {
            Eventually.within(Duration.ofSeconds(5), "the three layers start", () -> relay.startedLayers(ROOM) == 3);
            SendQueuePeak sendQueue = SendQueuePeak.start(link);
            long slowAt;
            long downAt;
            long fastAt;
            long upAt;
            long topAt;
            long congestionBeforeSlow;
            long recoveredBeforeFast;
            try {
                recorder.go();
                Eventually.within(Duration.ofSeconds(5), "the recorder gets the top layer", () -> layerSent(relay) == TOP);
                Thread.sleep(2000);
                congestionBeforeSlow = switches(relay, LayerCause.CONGESTION);
                slowAt = System.nanoTime();
                link.setRate(SLOW_BITS);
                downAt = await(DOWN_BOUND, "the relay moves the recorder down once the link slows",
                        () -> switches(relay, LayerCause.CONGESTION) >= 1);
                Thread.sleep(1000); // the lower layer for a while
                recoveredBeforeFast = switches(relay, LayerCause.RECOVERED);
                fastAt = System.nanoTime();
                link.setRate(FAST_BITS);
                upAt = await(UP_BOUND, "the relay moves the recorder up once the link is fast again",
                        () -> switches(relay, LayerCause.RECOVERED) >= 1);
                topAt = await(UP_BOUND, "the recorder gets the top layer again", () -> layerSent(relay) == TOP);
                Thread.sleep(1000); // the top layer for a while
            } finally {
                sendQueue.stop();
            }
            RecorderProcess.Run run = recorder.stop();
            FilePublisher.Result sent = camera.stop();
            relay.core().sync().get(5, TimeUnit.SECONDS);
            assertEquals(0, run.status(), () -> "the recorder ran: " + recorder.transcript());

            List<RecordedLayers.Event> told = RecordedLayers.read(recording.resolve("layers.jsonl")).layers();
            List<RecordedPackets.Packet> video = RecordedPackets.read(recording.resolve("packets.jsonl")).packets()
                    .stream().filter(p -> p.sender() == camera.id()).toList();
            List<List<RecordedPackets.Packet>> legs = legs(video);
            Path file = recording.resolve(camera.id() + "-1.h264");
            Decoding decoding = Decoding.of(file);
            long congestion = switches(relay, LayerCause.CONGESTION);
            long recovered = switches(relay, LayerCause.RECOVERED);
            String moves = told.stream().map(e -> e.layer() + " " + e.cause()).collect(Collectors.joining(", "));
            String report = String.format("auto layer over a %d -> %d -> %d kbit/s link (tbf, %d ms queue): moved down "
                            + "(congestion) %d ms after the link slowed, up (recovered) %d ms after it was restored, "
                            + "at the top again after %d ms; relay's kernel send queue to the recorder peaked at %d "
                            + "bytes; LAYER: %s; legs: %s; recording %s; relay: %d congestion, %d recovered switches "
                            + "(%d from the cache, %d waited); publisher: %s%n  sample: %s%n  link: %s%n  recorder: %s",
                    FAST_BITS / 1000, SLOW_BITS / 1000, FAST_BITS / 1000, QUEUE_MILLIS, millis(downAt - slowAt),
                    millis(upAt - fastAt), millis(topAt - fastAt), sendQueue.peak(), moves,
                    legs.stream().map(l -> l.getFirst().stream() + ": " + RecordedStream.of(l).packets()
                            + " packets").toList(), decoding, congestion, recovered,
                    relay.core().metrics().stat(Stat.LAYER_SWITCHES_FROM_CACHE),
                    relay.core().metrics().stat(Stat.LAYER_SWITCHES_WAITED), sent, sample, link.stats(), run.summary());
            System.out.println(report);

            assertAll(report,
                    () -> assertEquals(0, congestionBeforeSlow, "no congestion while the link was fast"),
                    () -> assertEquals(0, recoveredBeforeFast, "no recovery while the link was slow"),
                    () -> assertTrue(movesAreTopDownUpTop(told), "LAYER: the top layer (requested), then moves down "
                            + "for congestion, then moves up (recovered) back to the top: " + moves),
                    () -> assertEquals(congestion, told.stream().filter(e -> "congestion".equals(e.cause())).count(),
                            "each congestion switch counted is one LAYER the recorder got"),
                    () -> assertEquals(recovered, told.stream().filter(e -> "recovered".equals(e.cause())).count(),
                            "each recovered switch counted is one LAYER the recorder got"),
                    () -> assertEquals(told.stream().map(RecordedLayers.Event::stream).toList(),
                            legs.stream().map(l -> l.getFirst().stream()).toList(),
                            "the recorder got the layers it was told of, in that order"),
                    () -> assertLegsWhole(legs),
                    () -> assertEquals(List.of(file.getFileName().toString()), RecordedLayers.h264Files(recording),
                            "one file for the source, across its layers"),
                    () -> assertTrue(decoding.clean(), "the recording decodes across the switches: " + decoding),
                    () -> assertEquals(0, sent.skipped(), "the publisher sent every frame on time"));
        }
    }

    /** [top requested], then one or more congestion moves each one layer down, then recovered moves up to the top. */
    private static boolean movesAreTopDownUpTop(List<RecordedLayers.Event> told) {
        if (told.size() < 3 || told.getFirst().layer() != TOP || !"requested".equals(told.getFirst().cause())) {
            return false;
        }
        int i = 1;
        while (i < told.size() && "congestion".equals(told.get(i).cause())) {
            if (told.get(i).layer() != told.get(i - 1).layer() - 1) {
                return false;
            }
            i++;
        }
        if (i == 1 || i == told.size()) {
            return false;
        }
        for (; i < told.size(); i++) {
            if (!"recovered".equals(told.get(i).cause()) || told.get(i).layer() != told.get(i - 1).layer() + 1) {
                return false;
            }
        }
        return told.getLast().layer() == TOP;
    }

    /** Each leg starts at a keyframe start after a whole frame of the previous leg, and has no hole. */
    private static void assertLegsWhole(List<List<RecordedPackets.Packet>> legs) {
        for (int i = 0; i < legs.size(); i++) {
            List<RecordedPackets.Packet> leg = legs.get(i);
            RecordedPackets.Packet first = leg.getFirst();
            assertTrue(first.keyframe() && first.frameStart(), "leg " + i + " (stream " + first.stream()
                    + ") starts at a keyframe start: " + first);
            if (i > 0) {
                RecordedPackets.Packet last = legs.get(i - 1).getLast();
                assertTrue(last.frameEnd(), "leg " + (i - 1) + " ends with a whole frame: " + last);
            }
            RecordedStream stream = RecordedStream.of(leg);
            assertTrue(stream.holes().isEmpty(), "leg " + i + " (stream " + first.stream() + ") has no hole: " + stream);
        }
    }

    /** The packets in arrival order, cut where the stream changes: one list per layer leg. */
    private static List<List<RecordedPackets.Packet>> legs(List<RecordedPackets.Packet> packets) {
        List<List<RecordedPackets.Packet>> legs = new ArrayList<>();
        for (RecordedPackets.Packet p : packets) {
            if (legs.isEmpty() || legs.getLast().getFirst().stream() != p.stream()) {
                legs.add(new ArrayList<>());
            }
            legs.getLast().add(p);
        }
        return legs;
    }

    /**
     * The largest Send-Q (bytes not yet acknowledged by the recorder, unsent included) of the relay's connections
     * into the namespace, sampled every 50 ms with {@code ss} while the phases run.
     */
    private static final class SendQueuePeak {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong peak = new AtomicLong();
        private Thread thread;

        static SendQueuePeak start(RateLimitedLink link) {
            SendQueuePeak p = new SendQueuePeak();
            p.thread = Thread.ofPlatform().daemon().name("send-queue").start(() -> {
                while (p.running.get()) {
                    ExternalCommand ss = ExternalCommand.run(Duration.ofSeconds(2), "ss", "-tnH", "dst",
                            link.remoteAddress().getHostAddress());
                    for (String line : ss.output().lines().toList()) {
                        String[] f = line.strip().split("\\s+");
                        if (f.length >= 3 && f[2].matches("\\d+")) {
                            p.peak.accumulateAndGet(Long.parseLong(f[2]), Math::max);
                        }
                    }
                    LockSupport.parkNanos(50_000_000L);
                }
            });
            return p;
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(3000);
        }

        long peak() {
            return peak.get();
        }
    }

    /** Polls every 5 ms until {@code condition} holds; returns when it did (nanoTime), or fails after {@code limit}. */
    private static long await(Duration limit, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return System.nanoTime();
            }
            Thread.sleep(5);
        }
        throw new AssertionError(what + ": not within " + limit.toMillis() + " ms");
    }

    private static long switches(TestRelay relay, LayerCause cause) {
        return relay.core().metrics().layerSwitches(cause);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }


    /** The layer the relay sends the recorder (the one receiver of the source) now; -1: none. */
    private static int layerSent(TestRelay relay) {
        return relay.room(ROOM).participants().stream().flatMap(p -> p.subscriptions().stream())
                .filter(RoomInfo.SubscriptionInfo::simulcast).mapToInt(RoomInfo.SubscriptionInfo::layer)
                .findFirst().orElse(-1);
    }

    private static Path freshDirectory(Path dir) throws java.io.IOException {
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
