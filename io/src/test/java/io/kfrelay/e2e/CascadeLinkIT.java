package io.kfrelay.e2e;

import io.kfrelay.cli.FilePublisher;
import io.kfrelay.cli.Main;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.cluster.RedisProcess;
import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.protocol.ControlMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 15, cascade): a cascade link limited with {@code tc tbf} keeps the edge's cache gap-free or cleanly
 * re-primed.
 *
 * <p>Set-up: a {@link RateLimitedLink} (a network namespace behind a veth pair, {@code tc tbf} on the host end, so
 * the direction origin -> edge is limited); Redis and the origin relay on the host end's address, the edge relay in
 * its own JVM inside the namespace; both {@code --cache-mode gop}. A publisher at the origin loops
 * {@link TestVideo#SD_360P} (640x360, about 1 Mbit/s, an IDR every 2 s) in real time; one receiver at the origin
 * fills it ({@code --cluster-max-receivers 1}), so receivers that JOIN the edge (RECEIVE_ONLY) are served there and
 * the edge relays the room over its QUIC link. The link runs at {@value #ABOVE}x the video's measured bitrate, then
 * at {@value #BELOW}x for {@link #SQUEEZE} (the origin cannot send the edge everything: its backlog rules drop and
 * resume at a keyframe), then at {@value #ABOVE}x again.
 *
 * <p>Checked: every late joiner at the edge (one before the squeeze, three during it, two after it) starts with a
 * replayed keyframe start and its sequence numbers are consecutive from there into live, except where the edge's
 * source jumped and the stream resumes at a later keyframe start (a re-prime, {@link Continuity}); after the squeeze,
 * no re-prime at all. A {@code kfrelay record} at the edge through the whole squeeze writes a file that decodes
 * (ffmpeg and the validator), and its packets too are whole or re-primed. Re-primes are explained by the counters:
 * the origin dropped and skipped media (its only receiver that can fall behind is the edge's link) at least as many
 * packets as the edge's receivers miss. The edge's link stays up (no relink) and its receiver present from the start
 * sees keyframes after the squeeze. Each case is run with the origin's default egress queue and with a small one (the
 * re-prime path). The figures (rates, replays, re-primes, counters, how far the edge fell behind) are printed.
 * Skipped where network namespaces cannot be made (needs root and iproute2), or without ffmpeg.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class CascadeLinkIT {
    static final double ABOVE = 1.5;
    static final double BELOW = 0.4;
    private static final Duration SQUEEZE = Duration.ofSeconds(8);
    private static final String ROOM = "cascade-link";
    private static final Pattern OVERLIMITS = Pattern.compile("overlimits (\\d+)");
    private static final Pattern CLUSTER_METRIC = Pattern.compile("kfrelay_cluster_.*");

    private final List<KfRelayClient> clients = new ArrayList<>();

    @AfterEach
    void closeClients() {
        clients.forEach(KfRelayClient::close);
    }

    /** How much the origin queues for a receiver (here: the edge's link) before it drops and resumes at a keyframe. */
    enum OriginQueue {
        /**
         * The defaults ({@code --sink-queue-bytes 4m}, 4096 messages, deltas dropped at 75%): some 20 s of this video,
         * more than the squeeze's deficit, so the origin drops nothing and the edge falls behind, then catches up.
         */
        DEFAULT(List.of()),
        /**
         * A queue of about two seconds of this video (and a replay window that fits it): the squeeze makes the origin
         * drop, and the edge must be re-primed cleanly at a later keyframe.
         */
        SMALL(List.of("--sink-queue-messages", "256", "--sink-queue-bytes", "256k", "--sink-hard-cap-messages", "2048",
                "--sink-hard-cap-bytes", "2m", "--replay-window", "48k"));

        final List<String> options;

        OriginQueue(List<String> options) {
            this.options = options;
        }
    }

    @ParameterizedTest(name = "origin queue {0}")
    @EnumSource(OriginQueue.class)
    void aTbfLimitedCascadeLinkKeepsTheEdgesCacheGapFreeOrCleanlyReprimed(OriginQueue queue) throws Exception {
        List<AccessUnit> video = TestVideo.SD_360P.accessUnits();
        long bitrate = bitsPerSecond(video);
        long above = Math.round(ABOVE * bitrate);
        long below = Math.round(BELOW * bitrate);
        Path dir = freshDirectory(Path.of("target", "cascade-link-it", queue.name().toLowerCase()));
        try (RateLimitedLink link = RateLimitedLink.open(above, LinkIT.BURST_BYTES, Duration.ofMillis(LinkIT.QUEUE_MILLIS));
             RedisProcess redis = RedisProcess.start(link.hostAddress());
             RelayProcess origin = RelayProcess.start(link.hostAddress(), originOptions(redis, queue),
                     dir.resolve("origin"));
             RelayProcess edge = RelayProcess.start(link::inside, link.remoteAddress(), node(redis, "edge", 50),
                     dir.resolve("edge"));
             SamplePublisher camera = SamplePublisher.video(video, origin.url(Transport.WS), ClientOptions.defaults(),
                     ROOM, "camera")) {
            URI edgeUrl = edge.url(Transport.WS);
            receiver(origin.url(Transport.WS), "at-origin", new Received()); // the origin is full from now on
            Thread.sleep(500);

            // The first receiver at the edge makes the link; the recorder then records through everything.
            Received watcher = new Received();
            KfRelayClient watching = receiver(edgeUrl, "watcher", watcher);
            assertEquals(edgeUrl.getAuthority(), watching.url().getAuthority(), "the watcher is served at the edge");
            Eventually.within(Duration.ofSeconds(10), "the watcher at the edge gets a picture",
                    () -> watcher.count(p -> p.keyframe() && p.frameStart()) >= 1);
            Path recording = dir.resolve("recording");
            Duration recordFor = SQUEEZE.plusSeconds(3 + 9);
            StringWriter recorderLines = new StringWriter();
            CompletableFuture<Integer> recorder = CompletableFuture.supplyAsync(() -> {
                        PrintWriter out = new PrintWriter(recorderLines, true);
                        return Main.run(new String[] {"record", "--url", edgeUrl.toString(), "--room", ROOM, "--out",
                                recording.toString(), "--duration", recordFor.toMillis() + "ms"}, Map.of(), out, out);
                    }, r -> Thread.ofPlatform().name("recorder").daemon().start(r));

            Map<String, Received> late = new LinkedHashMap<>();
            Thread.sleep(1500);
            late.put("before", join(edgeUrl, "late-before"));
            Thread.sleep(1500);

            long squeezeStart = System.nanoTime();
            link.setRate(below);
            late.put("squeeze+1.5s", joinAt(edgeUrl, "late-squeeze-1", squeezeStart, 1500));
            late.put("squeeze+4s", joinAt(edgeUrl, "late-squeeze-2", squeezeStart, 4000));
            late.put("squeeze+6.5s", joinAt(edgeUrl, "late-squeeze-3", squeezeStart, 6500));
            sleepUntil(squeezeStart, SQUEEZE.toMillis());
            String squeezedLink = link.stats();

            long restored = System.nanoTime();
            link.setRate(above);
            int watcherPacketsAtRestore = watcher.packets().size();
            late.put("restored+3s", joinAt(edgeUrl, "late-after-1", restored, 3000));
            late.put("restored+6s", joinAt(edgeUrl, "late-after-2", restored, 6000));
            sleepUntil(restored, 8500);

            int recorderStatus = recorder.get(recordFor.plusSeconds(15).toMillis(), TimeUnit.MILLISECONDS);
            FilePublisher.Result sent = camera.stop();

            // What each receiver at the edge saw.
            Map<String, Continuity> seen = new LinkedHashMap<>();
            late.forEach((name, r) -> seen.put(name, Continuity.ofReceived(r.packets(), SamplePublisher.VIDEO, true)));
            Continuity watched = Continuity.ofReceived(watcher.packets(), SamplePublisher.VIDEO, false);
            Continuity recorded = Continuity.ofRecorded(RecordedPackets.read(recording.resolve("packets.jsonl")).packets(),
                    SamplePublisher.VIDEO, false);
            Decoding decoding = Decoding.of(videoFile(recording));
            boolean watcherRecovered = watcher.packets().stream().skip(watcherPacketsAtRestore)
                    .anyMatch(p -> p.stream() == SamplePublisher.VIDEO && p.keyframe() && p.frameStart());
            int reprimes = seen.values().stream().mapToInt(Continuity::reprimes).sum() + watched.reprimes()
                    + recorded.reprimes();

            double originDrops = origin.counter("kfrelay_transport_media_dropped_total", "")
                    + origin.counter("kfrelay_transport_media_skipped_total", "");
            double edgeGopsClosed = edge.counter("kfrelay_gops_closed_total", "")
                    + edge.counter("kfrelay_keyframes_rejected_total", "");
            double linksLost = edge.counter("kfrelay_cluster_edge_links_lost_total", "");
            StringBuilder report = new StringBuilder(String.format(
                    "cascade link, origin queue %s: video %.2f Mbit/s; tbf %.2f -> %.2f Mbit/s for %d s -> %.2f Mbit/s;"
                            + " the watcher's delay beyond its least: %s%n",
                    queue, bitrate / 1e6, above / 1e6, below / 1e6, SQUEEZE.toSeconds(), above / 1e6,
                    Lag.of(watcher.packets(), restored)));
            seen.forEach((name, c) -> report.append("  late joiner ").append(name).append(": ").append(c).append('\n'));
            report.append("  watcher (from the start): ").append(watched).append(watcherRecovered ? ""
                    : "; NO keyframe after the squeeze").append('\n');
            report.append("  recorder (status ").append(recorderStatus).append("): ").append(recorded)
                    .append("; recording: ").append(decoding).append('\n');
            report.append("  publisher: ").append(sent).append('\n');
            report.append("  link while squeezed: ").append(squeezedLink).append('\n');
            report.append("  link at the end: ").append(link.stats()).append('\n');
            report.append("  origin:\n").append(origin.tellingMetrics()).append('\n')
                    .append(origin.metrics(CLUSTER_METRIC)).append('\n');
            report.append("  edge:\n").append(edge.tellingMetrics()).append('\n')
                    .append(edge.metrics(CLUSTER_METRIC)).append('\n');
            report.append("  recorder said: ").append(recorderLines.toString().strip().replace("\n", "\n    "));
            System.out.println(report);

            List<Executable> checks = new ArrayList<>();
            seen.forEach((name, c) -> {
                checks.add(() -> assertTrue(c.whole(), "late joiner " + name + " starts at a replayed keyframe and is "
                        + "whole or re-primed at keyframe starts: " + c));
                checks.add(() -> assertTrue(c.replayed() > 0 && c.packets() > 100, "late joiner " + name
                        + " got a replay and the live stream: " + c));
            });
            seen.entrySet().stream().filter(e -> e.getKey().startsWith("restored")).forEach(e -> checks.add(() ->
                    assertEquals(0, e.getValue().reprimes(), "after the squeeze, late joiner " + e.getKey()
                            + " goes from its replay into live without a jump: " + e.getValue())));
            checks.add(() -> assertTrue(watched.whole(), "the watcher's stream is whole or re-primed: " + watched));
            checks.add(() -> assertTrue(watcherRecovered, "the watcher gets keyframes after the squeeze"));
            checks.add(() -> assertEquals(0, recorderStatus, "the recorder ran"));
            checks.add(() -> assertTrue(recorded.whole(), "the recorder's packets are whole or re-primed: " + recorded));
            checks.add(() -> assertTrue(decoding.clean() && decoding.frames() > 300, "the recording decodes: "
                    + decoding));
            checks.add(() -> assertTrue(overlimits(squeezedLink) > 0, "the squeeze limited the link"));
            // The origin's drops for the edge (its one receiver that can fall behind) are the packets the edge never got:
            // it drops, then skips to a keyframe start, so the edge's cache simply starts its next GOP there.
            checks.add(() -> assertTrue(reprimes == 0 || (originDrops > 0 && watched.skipped() <= originDrops),
                    reprimes + " re-primes, " + watched.skipped() + " packets skipped at the watcher, are explained by "
                            + "the origin's drops for the edge (" + originDrops + "; the edge's cache closed "
                            + edgeGopsClosed + " GOPs and rejected keyframes)"));
            checks.add(() -> assertEquals(0, linksLost, "the edge's link stayed up"));
            checks.add(() -> assertEquals(0, sent.skipped(), "the publisher sent every frame on time"));
            if (queue == OriginQueue.SMALL) {
                checks.add(() -> assertTrue(originDrops > 0, "the squeeze made the origin drop for the edge (the "
                        + "re-prime path ran)"));
            }
            assertAll(report.toString(), checks.stream());
        }
    }

    private static List<String> originOptions(RedisProcess redis, OriginQueue queue) {
        List<String> options = new ArrayList<>(node(redis, "origin", 1));
        options.addAll(queue.options);
        return options;
    }

    private static List<String> node(RedisProcess redis, String id, int maxReceivers) {
        return List.of("--cluster", redis.uri(), "--node-id", id, "--cluster-max-receivers",
                Integer.toString(maxReceivers), "--cache-mode", "gop");
    }

    private KfRelayClient receiver(URI url, String identity, Received into) throws Exception {
        KfRelayClient c = KfRelayClient.connect(url, ClientOptions.defaults(), into).get(5, TimeUnit.SECONDS);
        synchronized (clients) {
            clients.add(c);
        }
        c.join(ROOM, identity, "", ControlMessage.Join.RECEIVE_ONLY).get(15, TimeUnit.SECONDS);
        return c;
    }

    /** A late joiner at the edge, served there. */
    private Received join(URI edge, String identity) throws Exception {
        Received r = new Received();
        KfRelayClient c = receiver(edge, identity, r);
        assertEquals(edge.getAuthority(), c.url().getAuthority(), identity + " is served at the edge");
        return r;
    }

    private Received joinAt(URI edge, String identity, long fromNanos, long afterMillis) throws Exception {
        sleepUntil(fromNanos, afterMillis);
        return join(edge, identity);
    }

    private static void sleepUntil(long fromNanos, long afterMillis) throws InterruptedException {
        long left = fromNanos + TimeUnit.MILLISECONDS.toNanos(afterMillis) - System.nanoTime();
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(left)));
    }

    /**
     * How much later than its least delay the watcher got the video: per packet, arrival minus the frame's media
     * time (the publisher paces in real time), less the smallest such difference.
     */
    private record Lag(long maxMillis, long atRestoreMillis, long atEndMillis) {
        static Lag of(List<Received.Packet> packets, long restoredNanos) {
            List<Received.Packet> video = packets.stream().filter(p -> p.stream() == SamplePublisher.VIDEO).toList();
            if (video.isEmpty()) {
                return new Lag(-1, -1, -1);
            }
            long[] lag = video.stream().mapToLong(p -> p.arrivalNanos() - p.timestamp() * 1_000_000_000L / 90_000)
                    .toArray();
            long least = java.util.Arrays.stream(lag).min().orElseThrow();
            int atRestore = 0;
            while (atRestore < video.size() - 1 && video.get(atRestore).arrivalNanos() < restoredNanos) {
                atRestore++;
            }
            return new Lag(millis(java.util.Arrays.stream(lag).max().orElseThrow() - least),
                    millis(lag[atRestore] - least), millis(lag[lag.length - 1] - least));
        }

        private static long millis(long nanos) {
            return TimeUnit.NANOSECONDS.toMillis(nanos);
        }

        @Override
        public String toString() {
            return "at most " + maxMillis + " ms, " + atRestoreMillis + " ms when the rate was restored, " + atEndMillis
                    + " ms at the end";
        }
    }

    private static long bitsPerSecond(List<AccessUnit> units) {
        return units.stream().mapToLong(AccessUnit::length).sum() * 8 * TestVideo.FPS / units.size();
    }

    private static long overlimits(String tcStats) {
        Matcher m = OVERLIMITS.matcher(tcStats);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** The recording's one video file ({@code <sender>-1.h264}). */
    private static Path videoFile(Path recording) throws IOException {
        try (Stream<Path> files = Files.list(recording)) {
            return files.filter(f -> f.getFileName().toString().endsWith("-" + SamplePublisher.VIDEO + ".h264"))
                    .findFirst().orElse(recording.resolve("(no video file)"));
        }
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
