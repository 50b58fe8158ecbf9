package io.kfrelay.e2e;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.WaitForSelectorState;
import io.kfrelay.cli.Recorder;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.config.CacheMode;
import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.media.h264.AccessUnits;
import io.kfrelay.media.h264.NalUnit;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.server.TestCertificate;
import io.kfrelay.media.h264.SampleStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 14): the page {@code kfrelay serve} serves on its WebSocket port watches and publishes in a real
 * browser (Debian's headless Chromium, WebCodecs). A browser joining a room mid-GOP shows a picture at once (pixels
 * of its canvas, not black), its time from JOIN to first picture measured; in gop mode its decoder reports no error.
 * A browser publishing its (fake) camera and microphone is recorded by {@code kfrelay record} into H.264 that ffmpeg
 * decodes and an audio stream, and a second browser joining late sees its picture. Screenshots are kept under
 * {@code io/target/browser-artifacts/}.
 */
@Timeout(180)
class BrowserIT {
    static final Path ARTIFACTS = Path.of("target", "browser-artifacts");
    private static final String ROOM = "lobby";
    /** Late joins measured per mode for docs/PERFORMANCE.md. */
    private static final int JOINS = 20;
    private static final double PICTURE_TIMEOUT_MS = 20_000;

    private static Browser browser;

    @TempDir
    Path out;

    @BeforeAll
    static void launch() throws Exception {
        Files.createDirectories(ARTIFACTS);
        browser = Browser.launch();
    }

    @AfterAll
    static void close() {
        if (browser != null) {
            browser.close();
        }
    }

    /** The room page on the relay's WebSocket port (same origin, http or https as it serves), joining at once. */
    static String roomPage(RelayProcess relay, String name, String extra) {
        return relay.web().resolve("/room.html?room=" + ROOM + "&name=" + name + "&autojoin=1" + extra).toString();
    }

    @ParameterizedTest(name = "{0} mode")
    @EnumSource(CacheMode.class)
    void aBrowserJoiningMidGopShowsAPictureAtOnce(CacheMode mode) throws Exception {
        try (RelayProcess relay = RelayProcess.start(InetAddress.getLoopbackAddress(),
                List.of("--cache-mode", mode.name().toLowerCase()), out);
             SamplePublisher camera = SamplePublisher.video(AccessUnits.of(SampleStream.bytes()),
                     relay.url(Transport.WS), ClientOptions.defaults(), ROOM, "camera")) {
            Thread.sleep(1500); // the sample has a keyframe every second: half a GOP in

            Page page = browser.newPage();
            page.navigate(roomPage(relay, "viewer", ""));
            Map<String, Object> first = firstPicture(page, camera.client.participantId());
            Thread.sleep(1000); // the rest of the replay (gop mode) and some live frames
            Map<String, Object> tile = tile(page, camera.client.participantId());
            Picture picture = Picture.of(page, camera.client.participantId(), SamplePublisher.VIDEO);
            page.screenshot(new Page.ScreenshotOptions().setPath(ARTIFACTS.resolve("room-" + mode.name().toLowerCase() + ".png")));
            List<?> errors = (List<?>) page.evaluate("() => window.kfrelay.decoderErrors()");

            List<Double> firsts = new ArrayList<>();
            for (int i = 0; i < JOINS; i++) {
                Thread.sleep(ThreadLocalRandom.current().nextInt(100, 1000)); // anywhere in the GOP
                Page late = browser.newPage();
                try {
                    late.navigate(roomPage(relay, "late-" + i, ""));
                    firsts.add(number(firstPicture(late, camera.client.participantId()), "firstPictureMs"));
                } finally {
                    late.context().close();
                }
            }
            page.context().close();
            List<Double> sorted = firsts.stream().sorted().toList();
            String report = String.format("browser late join, %s mode: first picture %.0f ms after JOIN; a second "
                            + "later %s frames decoded, %s of them replayed, %s dropped, %s keyframe requests; %dx%d, "
                            + "%.0f %% of the canvas lit; decoder errors %s; %d more joins: p50 %.0f ms, p99 %.0f ms, "
                            + "max %.0f ms; Chromium %s", mode, number(first, "firstPictureMs"),
                    tile.get("framesDecoded"), tile.get("framesReplayed"), tile.get("framesDropped"),
                    tile.get("keyframeRequests"), picture.width(), picture.height(), picture.lit() * 100, errors, JOINS,
                    percentile(sorted, 0.50), percentile(sorted, 0.99), sorted.getLast(), browser.version());
            System.out.println(report);
            Files.writeString(ARTIFACTS.resolve("late-join-" + mode.name().toLowerCase() + ".txt"),
                    report + "\n" + firsts + "\n");
            assertAll(report,
                    () -> assertTrue(picture.lit() > 0.5, "the canvas shows the test pattern, not black"),
                    () -> assertTrue(number(tile, "framesReplayed") >= (mode == CacheMode.GOP ? 2 : 1),
                            "the first picture came from the cache (gop mode: with the GOP since)"),
                    () -> assertEquals(JOINS, firsts.size(), "every late joiner saw a picture"),
                    () -> assertTrue(mode != CacheMode.GOP || errors.isEmpty(), "gop mode: no decoder error"),
                    () -> assertTrue(mode != CacheMode.GOP || number(tile, "decodeErrors") == 0));
        }
    }

    @Test
    void aBrowserPublishesCameraAndMicrophoneRecordedAndSeenByALateBrowser() throws Exception {
        try (RelayProcess relay = RelayProcess.start(InetAddress.getLoopbackAddress(), List.of("--cache-mode", "gop"), out)) {
            Page publisher = browser.newPage();
            publisher.navigate(roomPage(relay, "browser-cam", "&publish=camera,mic"));
            publisher.waitForFunction("() => window.kfrelay && window.kfrelay.joined "
                    + "&& window.kfrelay.publishing().filter(p => p.packetsSent > 0).length === 2", null,
                    new Page.WaitForFunctionOptions().setTimeout(PICTURE_TIMEOUT_MS));
            long publisherId = number(publisher.evaluate("() => ({id: window.kfrelay.participantId})"), "id").longValue();

            StringWriter log = new StringWriter();
            Path dir = out.resolve("recording");
            Recorder recorder = Recorder.start(relay.url(Transport.WS), ROOM, "recorder", "", dir,
                    ClientOptions.defaults(), new PrintWriter(log, true));
            Page admin = browser.newPage(); // open all along, so its chart has a few points
            admin.navigate(relay.admin().resolve("/").toString());
            Thread.sleep(4000);
            Page late = browser.newPage();
            late.navigate(roomPage(relay, "late", ""));
            Map<String, Object> tile = firstPicture(late, publisherId);
            Picture picture = Picture.of(late, publisherId, 1);
            late.screenshot(new Page.ScreenshotOptions().setPath(ARTIFACTS.resolve("room-browser-publisher.png")));
            admin.waitForFunction("() => document.querySelector('#room-rows')?.textContent.includes('" + ROOM + "')",
                    null, new Page.WaitForFunctionOptions().setTimeout(PICTURE_TIMEOUT_MS));
            admin.screenshot(new Page.ScreenshotOptions().setPath(ARTIFACTS.resolve("admin.png")));
            String adminRooms = admin.locator("#room-rows").textContent();
            admin.context().close();
            Recorder.Summary summary = recorder.stop();
            Object published = publisher.evaluate("() => window.kfrelay.publishing()");
            publisher.context().close();
            late.context().close();

            RecordedPackets packets = RecordedPackets.read(dir.resolve("packets.jsonl"));
            List<RecordedPackets.Packet> audio = packets.packets().stream()
                    .filter(p -> p.sender() == publisherId && !p.video()).toList();
            Recorder.StreamFile video = summary.files().get(publisherId + "-1");
            Decoding decoding = video == null ? null : Decoding.of(video.path());
            Recorder.AudioStreamFile mic = summary.audioFiles().get(publisherId + "-2");
            String micErrors = mic == null ? "no file" : Ffmpeg.audioDecodeErrors(mic.path());
            String report = String.format("browser publisher %d: %s; recorded %s; video %s; audio %d packets, "
                            + "file %s, ffmpeg: '%s'; late browser: first picture %.0f ms after JOIN, %.0f %% lit, %dx%d",
                    publisherId, published, summary, decoding, audio.size(), mic, micErrors.strip(), number(tile, "firstPictureMs"),
                    picture.lit() * 100, picture.width(), picture.height());
            System.out.println(report);
            assertAll(report,
                    () -> assertTrue(decoding != null && decoding.frames() >= 30, "seconds of the camera recorded"),
                    () -> assertTrue(decoding != null && decoding.clean(), "ffmpeg decodes it without an error"),
                    () -> assertTrue(audio.size() >= 100, "the microphone's Opus packets (20 ms each) recorded"),
                    () -> assertTrue(mic != null && mic.packets() >= 100 && mic.invalidPackets() == 0,
                            "the microphone recorded as Ogg Opus, every packet valid Opus"),
                    () -> assertEquals("", micErrors.strip(), "ffmpeg decodes the microphone's recording without an error"),
                    () -> assertTrue(picture.lit() > 0.2, "the late browser sees the fake camera's picture"),
                    () -> assertTrue(adminRooms.contains(ROOM), "the admin page lists the room: " + adminRooms));
        }
    }

    /**
     * The decoder traps (STACK.md): the publisher's clip starts mid-GOP, and its first IDR has no SPS/PPS, which would
     * close a WebCodecs decoder fed as its first chunk. The relay asks the publisher for a keyframe for the page (in
     * the room first, nothing cached) and holds the deltas back until one starts; the publisher answers with its next
     * IDR, the bare one. The page does not feed it but asks for a keyframe, and the next whole one gives the first
     * picture; no decoder error on the way.
     */
    @Test
    void aPageThatGetsDeltasAndABareIdrFirstWaitsForAWholeKeyframe() throws Exception {
        List<AccessUnit> sample = AccessUnits.of(SampleStream.bytes());
        List<Integer> idrs = new ArrayList<>();
        for (int i = 0; i < sample.size(); i++) {
            if (sample.get(i).keyframe()) {
                idrs.add(i);
            }
        }
        assertTrue(idrs.size() >= 3 && sample.get(idrs.get(1)).hasParameterSets(), "precondition: the sample's IDRs carry SPS/PPS");
        // From the middle of the first GOP, the second IDR without its parameter sets, the rest as it is.
        List<AccessUnit> frames = new ArrayList<>(sample.subList(idrs.get(0) + 10, sample.size()));
        int bare = idrs.get(1) - idrs.get(0) - 10;
        frames.set(bare, withoutParameterSets(frames.get(bare)));
        try (RelayProcess relay = RelayProcess.start(InetAddress.getLoopbackAddress(), List.of(), out)) {
            Page page = browser.newPage();
            page.navigate(roomPage(relay, "early", ""));
            page.waitForFunction("() => window.kfrelay && window.kfrelay.joined", null,
                    new Page.WaitForFunctionOptions().setTimeout(PICTURE_TIMEOUT_MS));
            try (SamplePublisher camera = SamplePublisher.video(frames, relay.url(Transport.WS),
                    ClientOptions.defaults(), ROOM, "camera")) {
                Map<String, Object> tile = firstPicture(page, camera.client.participantId());
                Picture picture = Picture.of(page, camera.client.participantId(), SamplePublisher.VIDEO);
                List<?> errors = (List<?>) page.evaluate("() => window.kfrelay.decoderErrors()");
                List<?> events = (List<?>) page.evaluate("() => window.kfrelay.log()");
                String report = String.format("page in the room before the publisher: %s; %.0f %% lit; decoder errors %s; "
                        + "publisher asked for %d keyframes; page log %s", tile, picture.lit() * 100, errors,
                        camera.keyframeRequests(1), events);
                System.out.println(report);
                page.context().close();
                assertAll(report,
                        () -> assertTrue(picture.lit() > 0.5, "a picture"),
                        () -> assertTrue(events.stream().anyMatch(e -> e.toString().contains("IDR without SPS/PPS")),
                                "the page got the bare IDR first and asked for a keyframe instead of feeding it"),
                        () -> assertTrue(camera.keyframeRequests(1) >= 1, "the relay passed it on to the publisher"),
                        () -> assertEquals(List.of(), errors, "no decoder error: the bare IDR was not fed"));
            }
        }
    }

    /**
     * Off loopback WebCodecs needs https: with --tls-cert/--tls-key the same port serves the page over https and the
     * page connects with wss. One page publishes its camera, a second one sees it (the browser trusts the test's
     * self-signed certificate by its context's ignoreHTTPSErrors, as a user would by installing it).
     */
    @Test
    void overHttpsThePagePublishesAndWatchesOverWss() throws Exception {
        TestCertificate cert = TestCertificate.write(out, "relay");
        try (RelayProcess relay = RelayProcess.start(InetAddress.getLoopbackAddress(),
                List.of("--tls-cert", cert.certFile().toString(), "--tls-key", cert.keyFile().toString()), out)) {
            assertTrue(relay.web().getScheme().equals("https") && relay.url(Transport.WS).getScheme().equals("wss"),
                    "https and wss on the WebSocket port: " + relay.web() + ", " + relay.url(Transport.WS));
            Page publisher = browser.newPage(true);
            publisher.navigate(roomPage(relay, "secure-cam", "&publish=camera"));
            publisher.waitForFunction("() => window.kfrelay && window.kfrelay.joined "
                            + "&& window.kfrelay.publishing().some(p => p.packetsSent > 0)", null,
                    new Page.WaitForFunctionOptions().setTimeout(PICTURE_TIMEOUT_MS));
            long publisherId = number(publisher.evaluate("() => ({id: window.kfrelay.participantId})"), "id").longValue();
            Page viewer = browser.newPage(true);
            viewer.navigate(roomPage(relay, "secure-viewer", ""));
            Map<String, Object> tile = firstPicture(viewer, publisherId);
            Picture picture = Picture.of(viewer, publisherId, 1);
            String origin = (String) viewer.evaluate("() => location.origin + ' ' + window.isSecureContext");
            publisher.context().close();
            viewer.context().close();
            assertAll("over " + origin + ": " + tile,
                    () -> assertTrue(origin.startsWith("https://") && origin.endsWith("true"), "a secure context"),
                    () -> assertTrue(picture.lit() > 0.2, "the viewer sees the camera"));
        }
    }

    /**
     * A simulcast source is one tile; the viewer picks a layer on it (SUBSCRIBE with that layer) and the relay
     * switches it from its cache: the tile's layer and picture size follow, with no decoder error.
     */
    @Test
    void aViewerPicksASimulcastLayerOnItsTile() throws Exception {
        List<List<AccessUnit>> layers = TestVideo.SIMULCAST.stream().map(TestVideo::accessUnits).toList();
        try (RelayProcess relay = RelayProcess.start(InetAddress.getLoopbackAddress(), List.of("--cache-mode", "gop"), out);
             SamplePublisher camera = SamplePublisher.simulcast(layers, "camera", l -> {
                 KfRelayClient c = KfRelayClient.connect(relay.url(Transport.WS), ClientOptions.defaults(), l)
                         .get(5, TimeUnit.SECONDS);
                 c.join(ROOM, "camera", "").get(5, TimeUnit.SECONDS);
                 return c;
             })) {
            Page page = browser.newPage();
            page.navigate(roomPage(relay, "viewer", ""));
            long id = camera.client.participantId();
            firstPicture(page, id);
            page.waitForFunction("p => window.kfrelay.tiles().some(t => t.participant === p && t.layer === 2 "
                    + "&& t.width === 1280)", (int) id, new Page.WaitForFunctionOptions().setTimeout(PICTURE_TIMEOUT_MS));
            long tiles = ((List<?>) page.evaluate("() => window.kfrelay.tiles()")).size();

            page.selectOption("figure.tile[data-participant=\"" + id + "\"] .controls select", "0");
            page.waitForFunction("p => window.kfrelay.tiles().some(t => t.participant === p && t.layer === 0 "
                    + "&& t.width === 320)", (int) id, new Page.WaitForFunctionOptions().setTimeout(PICTURE_TIMEOUT_MS));
            Thread.sleep(500);
            Map<String, Object> tile = tile(page, id);
            Picture picture = Picture.of(page, id, 1);
            List<?> errors = (List<?>) page.evaluate("() => window.kfrelay.decoderErrors()");
            page.context().close();
            assertAll("after picking layer 0: " + tile + "; errors " + errors,
                    () -> assertEquals(1, tiles, "three layers, one tile"),
                    () -> assertTrue(picture.lit() > 0.5, "a picture at 320x180"),
                    () -> assertEquals(List.of(), errors, "no decoder error across the switch"));
        }
    }

    /**
     * A relay that requires tokens: the page joins with the token in its URL (and then drops it from the address
     * bar, holding no secret), and without one it shows the relay's refusal.
     */
    @Test
    void aRelayRequiringTokensAdmitsThePageWithOneInItsUrlAndRefusesItWithout() throws Exception {
        String secret = "browser-test-secret-" + "0123456789abcdef0123456789";
        try (RelayProcess relay = RelayProcess.start(InetAddress.getLoopbackAddress(),
                List.of("--auth-secret", secret, "--require-auth", "--admin-token", "admin-" + secret), out)) {
            CliRun token = CliRun.of("token", "--secret", secret, "--room", ROOM, "--identity", "viewer", "--subscribe",
                    "--ttl", "5m");
            assertEquals(0, token.status(), token.err());
            String jwt = token.out().strip().lines().reduce((a, b) -> b).orElseThrow();

            Page without = browser.newPage();
            without.navigate(roomPage(relay, "viewer", ""));
            without.waitForFunction("() => window.kfrelay && window.kfrelay.relayError !== null", null,
                    new Page.WaitForFunctionOptions().setTimeout(PICTURE_TIMEOUT_MS));
            Map<?, ?> refused = (Map<?, ?>) without.evaluate("() => window.kfrelay.relayError");
            without.context().close();

            Page with = browser.newPage();
            with.navigate(roomPage(relay, "viewer", "&token=" + jwt));
            with.waitForFunction("() => window.kfrelay && window.kfrelay.joined", null,
                    new Page.WaitForFunctionOptions().setTimeout(PICTURE_TIMEOUT_MS));
            String address = with.url();
            with.context().close();
            assertAll("refused: " + refused + "; joined at " + address,
                    () -> assertEquals(ErrorCodes.TOKEN_REQUIRED, ((Number) refused.get("code")).intValue(),
                            "without a token: TOKEN_REQUIRED"),
                    () -> assertTrue(!address.contains(jwt), "the token is gone from the address bar"));
        }
    }

    private static AccessUnit withoutParameterSets(AccessUnit au) {
        List<NalUnit> nals = au.nals();
        int first = 0;
        while (nals.get(first).type() == NalUnit.SPS || nals.get(first).type() == NalUnit.PPS) {
            first++;
        }
        assertTrue(first > 0, "the IDR's access unit starts with its parameter sets");
        return new AccessUnit(nals.subList(first, nals.size()), true);
    }

    /** Waits for the page's first decoded picture of {@code participant}'s video; its tile's stats. */
    static Map<String, Object> firstPicture(Page page, long participant) {
        page.waitForFunction("p => window.kfrelay && window.kfrelay.tiles().some(t => t.participant === p "
                        + "&& t.kind === 'video' && t.firstPictureMs !== null)", (int) participant, // Playwright takes no long
                new Page.WaitForFunctionOptions().setTimeout(PICTURE_TIMEOUT_MS));
        page.locator("canvas[data-participant=\"" + participant + "\"]").first()
                .waitFor(new com.microsoft.playwright.Locator.WaitForOptions().setState(WaitForSelectorState.ATTACHED));
        return tile(page, participant);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> tile(Page page, long participant) {
        return (Map<String, Object>) page.evaluate("p => window.kfrelay.tiles().find(t => t.participant === p "
                + "&& t.kind === 'video')", (int) participant);
    }

    static Double number(Object map, String key) {
        Object v = ((Map<?, ?>) map).get(key);
        return v == null ? null : ((Number) v).doubleValue();
    }

    static double percentile(List<Double> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    /** What a video canvas shows: its size and the share of its pixels that are not (nearly) black. */
    record Picture(int width, int height, double lit) {
        static Picture of(Page page, long participant, int stream) {
            Map<?, ?> m = (Map<?, ?>) page.evaluate("([p, s]) => {"
                    + "const c = document.querySelector(`canvas[data-participant=\"${p}\"][data-stream=\"${s}\"]`);"
                    + "if (!c || !c.width) return {width: 0, height: 0, lit: 0};"
                    + "const copy = document.createElement('canvas'); copy.width = c.width; copy.height = c.height;"
                    + "const g = copy.getContext('2d'); g.drawImage(c, 0, 0);"
                    + "const d = g.getImageData(0, 0, c.width, c.height).data; let lit = 0;"
                    + "for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 60) lit++;"
                    + "return {width: c.width, height: c.height, lit: lit / (d.length / 4)}; }",
                    List.of((int) participant, stream));
            return new Picture(((Number) m.get("width")).intValue(), ((Number) m.get("height")).intValue(),
                    ((Number) m.get("lit")).doubleValue());
        }
    }
}
