package io.kfrelay.cli;

import io.kfrelay.server.ListenAddress;
import io.kfrelay.server.QuicConfig;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** serve's QUIC options: defaults, off, and the environment and config file reach them like any other option. */
class QuicOptionsTest {
    @TempDir
    Path tmp;

    private ServeCommand parse(Map<String, String> env, String... serveArgs) {
        String[] args = new String[serveArgs.length + 1];
        args[0] = "serve";
        System.arraycopy(serveArgs, 0, args, 1, serveArgs.length);
        CommandLine cmd = Main.commandLine(args, env, new PrintWriter(new StringWriter(), true));
        return (ServeCommand) cmd.parseArgs(args).subcommand().commandSpec().userObject();
    }

    @Test
    void byDefaultQuicListensWhereListenPolicySaysWithASelfSignedCertificate() {
        assertEquals(QuicConfig.defaults(), parse(Map.of()).quic.quicConfig());
        assertNull(parse(Map.of()).quic.quicConfig().listen(), "no address named");
    }

    @Test
    void offTurnsItOff() {
        assertFalse(parse(Map.of(), "--quic-listen", "off").quic.quicConfig().enabled());
        assertFalse(parse(Map.of("KFRELAY_QUIC_LISTEN", "OFF")).quic.quicConfig().enabled());
    }

    @Test
    void theEnvironmentAndTheConfigFileSetQuicOptionsToo() throws IOException {
        Path file = tmp.resolve("kfrelay.properties");
        Files.write(file, List.of("quic-idle-timeout=5s", "quic-listen=:5000"));
        QuicConfig c = parse(Map.of("KFRELAY_QUIC_KEEP_ALIVE", "2s"), "--config", file.toString()).quic.quicConfig();
        assertEquals(new ListenAddress("0.0.0.0", 5000), c.listen());
        assertEquals(Duration.ofSeconds(5), c.idleTimeout());
        assertEquals(Duration.ofSeconds(2), c.keepAlive());
    }

    @Test
    void eventLoopsComeFromTheCommandLineTheEnvironmentOrTheConfigFile() throws IOException {
        assertEquals(3, parse(Map.of(), "--quic-event-loops", "3").quic.quicConfig().eventLoops());
        assertEquals(0, parse(Map.of("KFRELAY_QUIC_EVENT_LOOPS", "0")).quic.quicConfig().eventLoops());
        Path file = tmp.resolve("loops.properties");
        Files.write(file, List.of("quic-event-loops=2"));
        assertEquals(2, parse(Map.of(), "--config", file.toString()).quic.quicConfig().eventLoops());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), "--quic-event-loops", "-2").quic.quicConfig());
        assertTrue(e.getMessage().contains("quic-event-loops"), e.getMessage());
    }

    @Test
    void congestionControlDefaultsToBbrAndCanBeChosen() {
        assertEquals(io.kfrelay.server.QuicCongestion.BBR, parse(Map.of()).quic.quicConfig().congestion());
        assertEquals(io.kfrelay.server.QuicCongestion.CUBIC,
                parse(Map.of(), "--quic-congestion-control", "cubic").quic.quicConfig().congestion());
        assertEquals(io.kfrelay.server.QuicCongestion.RENO,
                parse(Map.of("KFRELAY_QUIC_CONGESTION_CONTROL", "Reno")).quic.quicConfig().congestion());
    }

    @Test
    void aBadListenAddressNamesTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), "--quic-listen", "nowhere").quic.quicConfig());
        assertTrue(e.getMessage().startsWith("quic-listen"), e.getMessage());
    }
}
