package io.kfrelay.cli;

import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.config.WaitStrategyKind;
import io.kfrelay.server.ListenAddress;
import io.kfrelay.server.ServerConfig;
import io.kfrelay.server.TlsConfig;
import io.kfrelay.transport.TransportKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** serve's options: where each value comes from (command line > environment > config file > default). */
class ServeOptionsTest {
    @TempDir
    Path tmp;

    private final StringWriter err = new StringWriter();

    /** Parses a serve command line with the given environment; null if the config could not be used. */
    private ServeCommand parse(Map<String, String> env, String... serveArgs) {
        String[] args = new String[serveArgs.length + 1];
        args[0] = "serve";
        System.arraycopy(serveArgs, 0, args, 1, serveArgs.length);
        CommandLine cmd = Main.commandLine(args, env, new PrintWriter(err, true));
        if (cmd == null) {
            return null;
        }
        CommandLine.ParseResult result = cmd.parseArgs(args);
        return (ServeCommand) result.subcommand().commandSpec().userObject();
    }

    private Path configFile(String... lines) throws IOException {
        Path f = tmp.resolve("kfrelay.properties");
        Files.write(f, List.of(lines));
        return f;
    }

    @Test
    void withNothingGivenTheRelayRunsOnItsBuiltInDefaults() {
        ServeCommand serve = parse(Map.of());
        assertEquals(RelayConfig.defaults(), serve.relayConfig());
        assertEquals(ServerConfig.defaults(), serve.serverConfig());
    }

    @Test
    void aListenAddressIsNamedOnlyWhenTheCommandLineTheEnvironmentOrTheConfigFileGivesOne() throws IOException {
        ServeCommand unnamed = parse(Map.of());
        assertNull(unnamed.serverConfig().wsListen(), "ListenPolicy decides: loopback without an auth secret");
        assertNull(unnamed.quic.quicConfig().listen());
        assertNull(parse(Map.of("KFRELAY_AUTH_SECRET", "a-secret-of-at-least-thirty-two-bytes!")).serverConfig().wsListen(),
                "a secret names no address either (ListenPolicy: every interface)");

        ListenAddress everyInterface = new ListenAddress("0.0.0.0", 8080);
        assertEquals(everyInterface, parse(Map.of(), "--ws-listen", "0.0.0.0:8080").serverConfig().wsListen());
        assertEquals(everyInterface, parse(Map.of("KFRELAY_WS_LISTEN", "0.0.0.0:8080")).serverConfig().wsListen());
        assertEquals(everyInterface, parse(Map.of(), "--config", configFile("ws-listen=0.0.0.0:8080").toString())
                .serverConfig().wsListen());
        assertEquals(everyInterface, parse(Map.of(), "--ws-listen", ":8080").serverConfig().wsListen(),
                ":PORT names every interface");

        ListenAddress quic = new ListenAddress("0.0.0.0", 4433);
        assertEquals(quic, parse(Map.of(), "--quic-listen", "0.0.0.0:4433").quic.quicConfig().listen());
        assertEquals(quic, parse(Map.of("KFRELAY_QUIC_LISTEN", ":4433")).quic.quicConfig().listen());
        assertEquals(quic, parse(Map.of(), "--config", configFile("quic-listen=0.0.0.0:4433").toString())
                .quic.quicConfig().listen());
    }

    @Test
    void theAutoLayerOptionsReachTheRelayConfigAndBadOnesAreRefusedByName() {
        RelayConfig c = parse(Map.of(), "--layer-down-backlog", "512k", "--layer-up-backlog", "32k",
                "--layer-up-after", "10s", "--layer-down-after", "500ms").relayConfig();
        assertEquals(new io.kfrelay.config.AutoLayerSettings(512 * 1024, 32 * 1024, Duration.ofSeconds(10),
                Duration.ofMillis(500)), c.autoLayer());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), "--layer-down-backlog", "64k", "--layer-up-backlog", "64k").relayConfig());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("layer-up-backlog"), e.getMessage());
    }

    @Test
    void aConfigFileOverridesTheDefaults() throws IOException {
        Path f = configFile("cache-mode=gop", "keyframe-cap=512k", "gop-max-age=2s", "ws-listen=127.0.0.1:9000");
        RelayConfig c = parse(Map.of(), "--config", f.toString()).relayConfig();
        assertEquals(CacheMode.GOP, c.cacheMode());
        assertEquals(512 * 1024, c.keyframeCapBytes());
        assertEquals(Duration.ofSeconds(2), c.gopMaxAge());
    }

    @Test
    void theEnvironmentOverridesTheConfigFile() throws IOException {
        Path f = configFile("cache-mode=gop", "shards=2", "wait-strategy=sleeping");
        ServeCommand serve = parse(Map.of("KFRELAY_SHARDS", "4", "KFRELAY_WS_LISTEN", ":7000"), "--config", f.toString());
        RelayConfig c = serve.relayConfig();
        assertEquals(4, c.shards(), "environment beats file");
        assertEquals(CacheMode.GOP, c.cacheMode(), "file beats default");
        assertEquals(WaitStrategyKind.SLEEPING, c.waitStrategy());
        assertEquals(new ListenAddress("0.0.0.0", 7000), serve.serverConfig().wsListen());
    }

    @Test
    void theCommandLineOverridesEverything() throws IOException {
        Path f = configFile("shards=2", "replay-window=1m", "cache-budget=64m");
        RelayConfig c = parse(Map.of("KFRELAY_SHARDS", "4"), "--config", f.toString(), "--shards", "8",
                "--replay-window", "512k").relayConfig();
        assertEquals(8, c.shards());
        assertEquals(512 * 1024, c.replayWindowBytes());
        assertEquals(64L << 20, c.cacheBudgetBytes(), "file beats default");
    }

    @Test
    void serverOptionsMapOntoTheServerConfig() {
        ServerConfig c = parse(Map.of("KFRELAY_TRANSPORT", "nio"), "--ws-listen", "127.0.0.1:0", "--ws-path", "/x",
                "--event-loop-threads", "3", "--max-frame-bytes", "128k", "--join-timeout", "2s",
                "--sink-queue-bytes", "1m", "--drain-timeout", "750ms", "--stall-timeout", "0").serverConfig();
        assertEquals(new ListenAddress("127.0.0.1", 0), c.wsListen());
        assertEquals("/x", c.wsPath());
        assertEquals(TransportKind.NIO, c.transport());
        assertEquals(3, c.eventLoopThreads());
        assertEquals(128 * 1024, c.maxFrameBytes());
        assertEquals(Duration.ofSeconds(2), c.joinTimeout());
        assertEquals(1L << 20, c.sinkQueueBytes());
        assertEquals(Duration.ofMillis(750), c.drainTimeout());
        assertEquals(Duration.ZERO, c.stallTimeout(), "0 turns the stall timeout off");
    }

    @Test
    void theWebAppIsOnUnlessNoWebAndTheCertificateServesEveryListener() throws IOException {
        assertEquals(ServerConfig.DEFAULT_WEB_ROOT, parse(Map.of()).serverConfig().webRoot());
        assertNull(parse(Map.of(), "--no-web").serverConfig().webRoot());
        assertNull(parse(Map.of("KFRELAY_NO_WEB", "true")).serverConfig().webRoot());
        assertNull(parse(Map.of(), "--config", configFile("no-web=true").toString()).serverConfig().webRoot());
        assertEquals("web", parse(Map.of("KFRELAY_NO_WEB", "true"), "--no-web=false").serverConfig().webRoot(),
                "the command line beats the environment");

        assertEquals(TlsConfig.NONE, parse(Map.of()).serverConfig().tls());
        TlsConfig files = new TlsConfig(Path.of("/etc/kfrelay/cert.pem"), Path.of("/etc/kfrelay/key.pem"));
        assertEquals(files, parse(Map.of(), "--tls-cert", "/etc/kfrelay/cert.pem", "--tls-key", "/etc/kfrelay/key.pem")
                .serverConfig().tls());
        assertEquals(files, parse(Map.of("KFRELAY_TLS_CERT", "/etc/kfrelay/cert.pem",
                "KFRELAY_TLS_KEY", "/etc/kfrelay/key.pem")).serverConfig().tls());

        StringWriter out = new StringWriter();
        int status = Main.run(new String[] {"serve", "--tls-cert", "/etc/kfrelay/cert.pem"}, Map.of(),
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(2, status, "a certificate without its key is refused before anything starts");
        assertTrue(err.toString().contains("tls-key"), err.toString());
    }

    @Test
    void theConfigFileCanComeFromTheEnvironment() throws IOException {
        Path f = configFile("max-streams=3");
        assertEquals(3, parse(Map.of("KFRELAY_CONFIG", f.toString())).relayConfig().maxStreamsPerParticipant());
    }

    @Test
    void anUnknownConfigKeyIsAnErrorThatListsTheKnownOnes() throws IOException {
        Path f = configFile("cache_mode=gop");
        assertNull(parse(Map.of(), "--config", f.toString()));
        assertTrue(err.toString().contains("unknown key cache_mode"), err.toString());
        assertTrue(err.toString().contains("cache-mode"), err.toString());
    }

    @Test
    void aMissingConfigFileIsAnError() {
        assertNull(parse(Map.of(), "--config", tmp.resolve("nope.properties").toString()));
        assertTrue(err.toString().contains("does not exist"), err.toString());
    }

    @Test
    void aBadValueNamesTheOptionAndWhatItExpects() {
        StringWriter out = new StringWriter();
        int status = Main.run(new String[] {"serve", "--keyframe-cap", "lots"}, Map.of(),
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(2, status);
        assertTrue(err.toString().contains("--keyframe-cap"), err.toString());
        assertTrue(err.toString().contains("200k"), err.toString());
    }

    @Test
    void valuesThatDoNotFitTogetherAreRefusedBeforeAnythingStarts() {
        StringWriter out = new StringWriter();
        int status = Main.run(new String[] {"serve", "--keyframe-cap", "1m", "--gop-cap", "512k"}, Map.of(),
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(2, status);
        assertTrue(err.toString().contains("gop-cap"), err.toString());
    }

    @Test
    void aBadValueFromTheEnvironmentIsReportedToo() {
        StringWriter out = new StringWriter();
        int status = Main.run(new String[] {"serve"}, Map.of("KFRELAY_CACHE_MODE", "everything"),
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(2, status);
        assertTrue(err.toString().contains("keyframe or gop"), err.toString());
    }

    @Test
    void serveHelpListsEveryOptionAndWhereValuesComeFrom() {
        StringWriter out = new StringWriter();
        assertEquals(0, Main.run(new String[] {"serve", "--help"}, Map.of(), new PrintWriter(out, true),
                new PrintWriter(err, true)));
        String help = out.toString();
        for (String option : new String[] {"--config", "--ws-listen", "--ws-path", "--transport", "--event-loop-threads",
                "--max-frame-bytes", "--cache-mode", "--keyframe-cap", "--gop-cap", "--gop-max-age",
                "--keyframe-request-interval", "--shards", "--ring-size", "--wait-strategy", "--replay-window",
                "--cache-budget", "--batch-events", "--ring-bytes", "--ring-work", "--max-streams", "--sink-queue-messages", "--sink-queue-bytes",
                "--sink-hard-cap-messages", "--sink-hard-cap-bytes", "--write-buffer-high-water-mark",
                "--join-timeout", "--drain-timeout", "--tls-cert", "--tls-key", "--no-web"}) {
            assertTrue(help.contains(option), "help lists " + option + "\n" + help);
        }
        assertEquals("", err.toString(), "help renders without warnings");
        assertTrue(help.contains("KFRELAY_WS_LISTEN"), help);
        assertTrue(help.contains("ws-listen=0.0.0.0:8080"), help);
    }
}
