package io.kfrelay.e2e;

import io.kfrelay.cli.Recorder;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.media.h264.AccessUnits;
import io.kfrelay.media.h264.SampleStream;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.LayerCause;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.RoomInfo;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (simulcast, PROTOCOL.md §4.13, §4.14): a publisher sends one source as three layers (180p, 360p, 720p, the
 * same GOP); each receiver gets one layer at a time. A switch to a layer the relay has cached is served from the
 * cache at once: the first packet of the new layer is its replayed keyframe start (with SPS and PPS), the publisher
 * is asked for nothing, and a recording across the switch is one H.264 stream that decodes without an error. A switch
 * to a layer with nothing cached waits for the publisher's next keyframe of it, which the relay asks for.
 */
@Timeout(90)
class SimulcastIT {
    /** Generous: on loopback a switch from the cache takes milliseconds (the figures are printed). */
    private static final long SWITCH_BOUND_MICROS = 500_000;
    private static final String ROOM = "show";

    @TempDir
    Path out;

    @ParameterizedTest(name = "over {0}")
    @EnumSource(Transport.class)
    void aRecorderSwitchingLayerMidGopGetsTheNewLayersCachedGopAtOnceAndThePublisherIsAskedForNothing(
            Transport transport) throws Exception {
        List<Path> layers = TestVideo.SIMULCAST.stream().map(TestVideo::file).toList();
        try (TestRelay relay = TestRelay.start(CacheMode.GOP)) {
            List<String> tls = transport == Transport.QUIC
                    ? List.of("--pin", relay.server().quic().fingerprint().toString()) : List.of();
            String url = relay.url(transport).toString();
            List<String> publish = new ArrayList<>(List.of("publish", "--url", url, "--room", ROOM, "--identity", "camera"));
            publish.addAll(tls);
            layers.forEach(f -> publish.addAll(List.of("--file", f.toString())));
            CompletableFuture<CliRun> publishing = CompletableFuture.supplyAsync(() -> CliRun.of(publish.toArray(String[]::new)));
            Eventually.within(Duration.ofSeconds(5), "the three layers start", () -> relay.startedLayers(ROOM) == 3);
            long publishStart = RecordedPackets.epochMicros(Instant.now());
            // The recorder joins 1.8 s into the 6 s clip and switches 1.2 s later: 3 s in, mid-GOP (an IDR every 2 s).
            Thread.sleep(1800);
            Path dir = out.resolve("recording");
            List<String> record = new ArrayList<>(List.of("record", "--url", url, "--room", ROOM, "--out", dir.toString(),
                    "--layer", "2", "--switch-layer-at", "1200ms:0", "--duration", "2500ms"));
            record.addAll(tls);
            CliRun recorded = CliRun.of(record.toArray(String[]::new));
            CliRun published = publishing.get(20, TimeUnit.SECONDS);
            relay.core().sync().get(5, TimeUnit.SECONDS);
            assertEquals(0, recorded.status(), recorded.err());
            assertEquals(0, published.status(), published.err());

            long camera = participant(published);
            Path file = dir.resolve(camera + "-1.h264");
            RecordedPackets packets = RecordedPackets.read(dir.resolve("packets.jsonl"));
            RecordedLayers asked = RecordedLayers.read(dir.resolve("layers.jsonl"));
            long requested = asked.lastRequest(0).micros();
            List<RecordedPackets.Packet> layer0 = packets.stream(camera, 1);
            List<RecordedPackets.Packet> layer2 = packets.stream(camera, 3);
            RecordedStream afterSwitch = RecordedStream.of(layer0);
            RecordedPackets.Packet first = layer0.isEmpty() ? null : layer0.getFirst();
            long lastReplayed = layer0.stream().filter(RecordedPackets.Packet::replay)
                    .mapToLong(RecordedPackets.Packet::micros).max().orElse(-1);
            RecordedLayers.Event layerMessage = asked.layers().getLast();
            Decoding decoding = Decoding.of(file);
            String report = String.format("%s: switch 720p -> 180p asked %.1f s into the clip; LAYER after %.1f ms, first "
                            + "packet of the new layer after %.1f ms, its replay done after %.1f ms; 180p: %s; 720p: %d "
                            + "packets before; recording %s; publisher: %s; relay: %d switches from the cache, %d waited, "
                            + "%d keyframe requests sent%n  recorder: %s",
                    transport, (requested - publishStart) / 1e6,
                    (layerMessage.micros() - requested) / 1e3, first == null ? -1 : (first.micros() - requested) / 1e3,
                    (lastReplayed - requested) / 1e3, afterSwitch, layer2.size(), decoding,
                    published.out().lines().filter(l -> l.startsWith("keyframe requests")).findFirst().orElse("?"),
                    relay.core().metrics().stat(Stat.LAYER_SWITCHES_FROM_CACHE),
                    relay.core().metrics().stat(Stat.LAYER_SWITCHES_WAITED),
                    relay.core().metrics().stat(Stat.KEYFRAME_REQUESTS_SENT), recorded.out().strip());
            System.out.println(report);

            assertAll(report,
                    () -> assertEquals(List.of(file.getFileName().toString()), RecordedLayers.h264Files(dir),
                            "one file for the source, across its layers"),
                    () -> assertTrue(recorded.out().contains(", streams 3 then 1"), "720p, then 180p"),
                    () -> assertTrue(decoding.clean(), "the recording decodes across the switch: " + decoding),
                    () -> assertEquals(List.of(3, 1), asked.layers().stream().map(RecordedLayers.Event::stream).toList(),
                            "LAYER for 720p at the start, then for 180p"),
                    () -> assertTrue(afterSwitch.startsWithReplayedKeyframe(),
                            "the new layer starts with its replayed keyframe start"),
                    () -> assertTrue(afterSwitch.replayedFrames() > 1,
                            "the switch came mid-GOP: the keyframe and the deltas since were replayed"),
                    () -> assertTrue(afterSwitch.holes().isEmpty(), "the new layer has no gap from its replayed keyframe on"),
                    () -> assertTrue(first != null && first.micros() - requested < SWITCH_BOUND_MICROS,
                            "the new layer's first packet comes within 500 ms of the request"),
                    () -> assertTrue(first != null && layer2.stream().noneMatch(p -> p.micros() > first.micros()),
                            "nothing of the old layer after the first packet of the new one"),
                    () -> assertTrue(published.out().contains("keyframe requests: stream 1 0, stream 2 0, stream 3 0"),
                            "the publisher was asked for no keyframe"),
                    () -> assertEquals(1, relay.core().metrics().stat(Stat.LAYER_SWITCHES_FROM_CACHE)),
                    () -> assertEquals(0, relay.core().metrics().stat(Stat.LAYER_SWITCHES_WAITED)),
                    () -> assertEquals(1, relay.core().metrics().layerSwitches(LayerCause.REQUESTED)),
                    () -> assertEquals(0, relay.core().metrics().stat(Stat.KEYFRAME_REQUESTS_SENT)));
        }
    }

    @Test
    void aSwitchToALayerWithNothingCachedWaitsForThePublishersNextKeyframeOfIt() throws Exception {
        List<List<AccessUnit>> frames = new ArrayList<>(TestVideo.SIMULCAST.stream().map(TestVideo::accessUnits).toList());
        // The 720p layer starts one frame after an IDR: for the next 2 s the relay has nothing of it to replay.
        List<AccessUnit> top = frames.getLast();
        frames.set(2, Stream.concat(top.subList(1, top.size()).stream(), Stream.of(top.getFirst())).toList());
        StringWriter log = new StringWriter();
        try (TestRelay relay = TestRelay.start(CacheMode.GOP)) {
            Path dir = out.resolve("recording");
            Recorder recorder = Recorder.start(relay.url(), ROOM, "recorder", "", dir, relay.options(Transport.WS),
                    Recorder.Selection.atLayer(0), new PrintWriter(log, true));
            try (SamplePublisher camera = SamplePublisher.simulcast(frames, "camera",
                    l -> relay.join(ROOM, "camera", l, Transport.WS))) {
                Eventually.within(Duration.ofSeconds(5), "the recorder gets the 180p layer, all three layers started",
                        () -> relay.startedLayers(ROOM) == 3 && layerSent(relay, recorder) == 0);
                Thread.sleep(300);
                RoomInfo.StreamInfo cached720 = stream(relay, camera.id(), 3);
                assertTrue(!cached720.hasKeyframe() && cached720.cachedPackets() == 0,
                        "precondition: nothing of the 720p layer is cached yet: " + cached720);
                long before720 = camera.keyframeRequests(3);

                long asked = RecordedPackets.epochMicros(Instant.now());
                recorder.requestLayer(2);
                Eventually.within(Duration.ofSeconds(3), "the recorder gets the 720p layer",
                        () -> layerSent(relay, recorder) == 2);
                Thread.sleep(1000);
                Recorder.Summary summary = recorder.stop();
                camera.stop();
                relay.core().sync().get(5, TimeUnit.SECONDS);

                Path file = dir.resolve(camera.id() + "-1.h264");
                List<RecordedPackets.Packet> layer2 = RecordedPackets.read(dir.resolve("packets.jsonl")).stream(camera.id(), 3);
                RecordedPackets.Packet first = layer2.isEmpty() ? null : layer2.getFirst();
                Decoding decoding = Decoding.of(file);
                String report = String.format("switch 180p -> 720p with nothing of it cached: first packet after %.1f ms "
                                + "(%s); 720p: %s; keyframe requests for 720p: %d; recording %s; %s; relay: %d waited, "
                                + "%d from the cache", first == null ? -1 : (first.micros() - asked) / 1e3,
                        first == null ? "none" : "flags " + first.flags(), RecordedStream.of(layer2),
                        camera.keyframeRequests(3) - before720, decoding, summary,
                        relay.core().metrics().stat(Stat.LAYER_SWITCHES_WAITED),
                        relay.core().metrics().stat(Stat.LAYER_SWITCHES_FROM_CACHE));
                System.out.println(report);
                assertAll(report,
                        () -> assertEquals(1, relay.core().metrics().stat(Stat.LAYER_SWITCHES_WAITED), "counted as waited"),
                        () -> assertEquals(0, relay.core().metrics().stat(Stat.LAYER_SWITCHES_FROM_CACHE)),
                        () -> assertEquals(1, camera.keyframeRequests(3) - before720,
                                "the relay asked the publisher for one keyframe of the 720p layer"),
                        () -> assertTrue(first != null && first.keyframe() && first.frameStart(),
                                "the 720p layer starts at a keyframe start"),
                        () -> assertTrue(first != null && first.micros() - asked < SWITCH_BOUND_MICROS,
                                "the keyframe comes within 500 ms (the publisher answers at its next frame)"),
                        () -> assertEquals(List.of(1, 3), summary.files().get(camera.id() + "-1").streams(),
                                "one file: 180p, then 720p"),
                        () -> assertTrue(decoding.clean(), "the recording decodes across the switch: " + decoding));
            }
        }
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(Transport.class)
    void aJoinerThatDoesNotChooseGetsEachSourceAtTheAutoLayerTheTopOneOnAFastLink(Transport transport) throws Exception {
        List<AccessUnit> sample = AccessUnits.of(SampleStream.bytes());
        try (TestRelay relay = TestRelay.start(CacheMode.GOP);
             SamplePublisher camera = SamplePublisher.simulcast(List.of(sample, sample, sample), "camera",
                     l -> relay.join(ROOM, "camera", l, transport))) {
            Eventually.within(Duration.ofSeconds(5), "the three layers start", () -> relay.startedLayers(ROOM) == 3);
            Thread.sleep(1400); // mid-GOP
            Received viewer = new Received();
            relay.join(ROOM, "viewer", viewer, transport);
            Eventually.within(Duration.ofSeconds(5), "a second of video arrives",
                    () -> viewer.stream(camera.id(), 3).size() > 30);
            assertTrue(viewer.events.contains("simulcast " + camera.id() + " [1, 2, 3]"), "the source is announced: "
                    + viewer.events);
            assertEquals(List.of(new Received.Layer(camera.id(), 1, 3, 2, LayerCause.REQUESTED, 0)),
                    viewer.layers.stream().map(l -> new Received.Layer(l.publisher(), l.source(), l.stream(), l.layer(),
                            l.cause(), 0)).toList(), "one LAYER: the top layer");
            assertEquals(List.of(camera.id() + "/3"), List.copyOf(viewer.byStream().keySet()), "only the top layer's packets");
            List<Received.Packet> top = viewer.stream(camera.id(), 3);
            LateJoinerIT.assertStartsWithReplayedKeyframe(top, "the top layer");
            LateJoinerIT.assertGapFree(top, "the top layer");
            assertTrue(viewer.errors.isEmpty(), () -> "no client errors: " + viewer.errors);
        }
    }

    @Test
    void aRecorderAtAFixedLayerGetsThatLayerOfEachSourceAndEveryPlainStreamOrOnlyTheStreamsItNames() throws Exception {
        Ffmpeg.assumeInstalled(); // to decode the recordings
        List<AccessUnit> sample = AccessUnits.of(SampleStream.bytes());
        try (TestRelay relay = TestRelay.start(CacheMode.GOP);
             SamplePublisher alice = SamplePublisher.videoAndAudio(relay, ROOM, "alice", Transport.WS);
             SamplePublisher carol = SamplePublisher.simulcast(List.of(sample, sample, sample), "carol",
                     l -> relay.join(ROOM, "carol", l, Transport.WS))) {
            Eventually.within(Duration.ofSeconds(5), "the three layers start", () -> relay.startedLayers(ROOM) == 3);
            Path all = out.resolve("all");
            CliRun atLayer1 = CliRun.of("record", "--url", relay.url().toString(), "--room", ROOM, "--out", all.toString(),
                    "--duration", "1500ms", "--layer", "1");
            Path named = out.resolve("named");
            CliRun onlyCarol = CliRun.of("record", "--url", relay.url().toString(), "--room", ROOM, "--out",
                    named.toString(), "--duration", "1500ms", "--subscribe", "carol/3");

            assertEquals(0, atLayer1.status(), atLayer1.err());
            assertEquals(0, onlyCarol.status(), onlyCarol.err());
            var streams = RecordedPackets.read(all.resolve("packets.jsonl")).packets().stream()
                    .map(p -> p.sender() + "/" + p.stream()).distinct().sorted().toList();
            assertEquals(List.of(alice.id() + "/1", alice.id() + "/2", carol.id() + "/2"), streams,
                    "--layer 1: alice's video and audio (plain streams), layer 1 of carol's source; " + atLayer1.err());
            assertEquals(List.of(alice.id() + "-1.h264", carol.id() + "-1.h264"), RecordedLayers.h264Files(all));
            assertTrue(!atLayer1.err().contains("refused"), "nothing refused that it did not handle: " + atLayer1.err());
            var carolsOnly = RecordedPackets.read(named.resolve("packets.jsonl")).packets().stream()
                    .map(p -> p.sender() + "/" + p.stream()).distinct().toList();
            assertEquals(List.of(carol.id() + "/3"), carolsOnly,
                    "--subscribe carol/3: carol's source, at the auto layer (the top one, on loopback); " + onlyCarol.err());
            for (Path dir : List.of(all, named)) {
                for (String f : RecordedLayers.h264Files(dir)) {
                    Decoding d = Decoding.of(dir.resolve(f));
                    assertTrue(d.clean(), dir.resolve(f) + ": " + d);
                }
            }
        }
    }

    @Test
    void aReceiverWhoseLayerEndsMovesToTheNextBestAndBackWhenItStartsAgain() throws Exception {
        List<AccessUnit> sample = AccessUnits.of(SampleStream.bytes()); // an IDR every 30 frames
        try (TestRelay relay = TestRelay.start(CacheMode.GOP)) {
            Received cameraHears = new Received();
            KfRelayClient camera = relay.join(ROOM, "camera", cameraHears, Transport.WS);
            camera.declareSimulcast(1, 2, 3).get(5, TimeUnit.SECONDS);
            AtomicBoolean topOn = new AtomicBoolean(true);
            AtomicBoolean stop = new AtomicBoolean();
            // All three layers at 30 fps; the top one ends when told, and starts again at an IDR when told.
            Thread sender = Thread.ofPlatform().name("camera").start(() -> {
                boolean topSending = true;
                long start = System.nanoTime();
                for (int slot = 0; !stop.get(); slot++) {
                    LockSupport.parkNanos(start + slot * 33_333_333L - System.nanoTime());
                    AccessUnit au = sample.get(slot % sample.size());
                    if (topSending != topOn.get() && (!topOn.get() || au.keyframe())) {
                        topSending = topOn.get();
                        if (!topSending) {
                            camera.endStream(3);
                        }
                    }
                    for (int stream = 1; stream <= (topSending ? 3 : 2); stream++) {
                        camera.publishFrame(stream, Protocol.KIND_VIDEO, au.keyframe(),
                                Unpooled.wrappedBuffer(au.buf(), au.offset(), au.length()), slot * 3000L);
                    }
                }
            });
            try {
                Eventually.within(Duration.ofSeconds(5), "the three layers start", () -> relay.startedLayers(ROOM) == 3);
                Thread.sleep(500);
                Received viewer = new Received();
                relay.join(ROOM, "viewer", viewer, Transport.WS);
                Eventually.within(Duration.ofSeconds(5), "the viewer gets the top layer", () -> viewer.stream(
                        camera.participantId(), 3).size() > 15);

                topOn.set(false);
                Eventually.within(Duration.ofSeconds(5), "the viewer gets layer 1 once layer 2 ended",
                        () -> viewer.stream(camera.participantId(), 2).size() > 15);
                int topBefore = viewer.stream(camera.participantId(), 3).size();
                topOn.set(true);
                Eventually.within(Duration.ofSeconds(5), "the viewer gets layer 2 again once it started again",
                        () -> viewer.stream(camera.participantId(), 3).size() > topBefore + 15);
                stop.set(true);
                sender.join(2000);

                assertEquals(List.of("3 REQUESTED", "2 AVAILABILITY", "3 AVAILABILITY"),
                        viewer.layers.stream().map(l -> l.stream() + " " + l.cause()).toList(),
                        "LAYER: the top layer, the middle one when the top ended, the top again when it came back");
                List<Received.Packet> video = viewer.packets();
                for (int i = 1; i < video.size(); i++) {
                    if (video.get(i).stream() != video.get(i - 1).stream()) {
                        Received.Packet first = video.get(i);
                        assertTrue(first.keyframe() && first.frameStart(),
                                "each layer starts at a keyframe start: " + first);
                        assertTrue(video.get(i - 1).frameEnd(), "the layer left ended with a whole frame: "
                                + video.get(i - 1));
                    }
                }
                assertEquals(2, relay.core().metrics().layerSwitches(LayerCause.AVAILABILITY));
                assertTrue(viewer.errors.isEmpty(), () -> "no client errors: " + viewer.errors);
            } finally {
                stop.set(true);
                sender.join(2000);
            }
        }
    }

    /** The participant id {@code kfrelay publish} printed. */
    private static long participant(CliRun published) {
        var m = java.util.regex.Pattern.compile("as participant (\\d+)").matcher(published.out());
        assertTrue(m.find(), published.out());
        return Long.parseLong(m.group(1));
    }


    private static RoomInfo.StreamInfo stream(TestRelay relay, long publisher, int streamId) {
        return relay.room(ROOM).participants().stream().filter(p -> p.id() == publisher).flatMap(p -> p.streams().stream())
                .filter(s -> s.streamId() == streamId).findFirst().orElseThrow();
    }

    /** The layer the relay sends the recorder now (-1: none). */
    private static int layerSent(TestRelay relay, Recorder recorder) {
        return relay.room(ROOM).participants().stream().filter(p -> p.id() == recorder.participantId())
                .flatMap(p -> p.subscriptions().stream()).filter(RoomInfo.SubscriptionInfo::simulcast)
                .mapToInt(RoomInfo.SubscriptionInfo::layer).findFirst().orElse(-1);
    }
}
