package io.kfrelay.server;

import io.kfrelay.transport.TransportKind;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        ServerConfig c = ServerConfig.defaults();
        assertNull(c.wsListen(), "not named: ListenPolicy decides at start (loopback without an auth secret)");
        assertEquals("/kfrelay", c.wsPath());
        assertEquals(TransportKind.AUTO, c.transport());
        assertEquals(Runtime.getRuntime().availableProcessors(), c.eventLoopThreads());
        assertEquals(64 * 1024, c.maxFrameBytes());
        assertEquals(4096, c.sinkQueueMessages());
        assertEquals(Duration.ofSeconds(10), c.joinTimeout());
        assertEquals(Duration.ofSeconds(5), c.drainTimeout());
        assertEquals(Duration.ofSeconds(10), c.stallTimeout());
        assertEquals(Duration.ofSeconds(10), c.sinkLimits().stallTimeout(), "the sinks get it");
        assertEquals(c, c.toBuilder().build());
        assertEquals(3072, c.sinkLimits().deltaMessages());
        assertEquals(c.writeBufferHighWaterMark() / 2, c.writeBufferLowWaterMark());
        assertEquals(TlsConfig.NONE, c.tls(), "plain ws:// unless a certificate is given");
        assertEquals("web", c.webRoot(), "the bundled browser client");
        assertTrue(c.webApp());
    }

    @Test
    void theWebAppCanBeTurnedOffOrServedFromAnotherFolderButNotFromOutsideTheClassPath() {
        assertFalse(ServerConfig.builder().webRoot(null).build().webApp());
        assertEquals("web-test", ServerConfig.builder().webRoot("web-test").build().toBuilder().build().webRoot());
        for (String bad : new String[] {"", "/web", "web/", "../web", "web/../io"}) {
            assertMessage("web root", ServerConfig.builder().webRoot(bad));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.builder().tls(Path.of("a.crt"), null));
        assertTrue(e.getMessage().contains("tls-key"), e.getMessage());
    }

    @Test
    void invalidValuesNameTheirOption() {
        assertMessage("ws-path", ServerConfig.builder().wsPath("kfrelay"));
        assertMessage("ws-path", ServerConfig.builder().wsPath("/a b"));
        assertMessage("event-loop-threads", ServerConfig.builder().eventLoopThreads(0));
        assertMessage("max-frame-bytes", ServerConfig.builder().maxFrameBytes(100));
        assertMessage("sink-queue-bytes", ServerConfig.builder().maxFrameBytes(4 * 1024 * 1024));
        assertMessage("sink-hard-cap-messages", ServerConfig.builder().sinkHardCapMessages(1024));
        assertMessage("sink-hard-cap-bytes", ServerConfig.builder().sinkHardCapBytes(1024));
        assertMessage("sink-queue-messages", ServerConfig.builder().sinkQueueMessages(1));
        assertMessage("write-buffer-high-water-mark", ServerConfig.builder().writeBufferHighWaterMark(1));
        assertMessage("join-timeout", ServerConfig.builder().joinTimeout(Duration.ZERO));
        assertMessage("drain-timeout", ServerConfig.builder().drainTimeout(Duration.ofSeconds(-1)));
        assertMessage("stall-timeout", ServerConfig.builder().stallTimeout(Duration.ofSeconds(-1)));
        assertMessage("transport", ServerConfig.builder().transport(null));
    }

    private static void assertMessage(String option, ServerConfig.Builder b) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().startsWith(option), e.getMessage());
    }

    @Test
    void listenAddressesParse() {
        assertEquals(new ListenAddress("0.0.0.0", 8080), ListenAddress.parse("0.0.0.0:8080"));
        assertEquals(new ListenAddress("localhost", 0), ListenAddress.parse("localhost:0"));
        assertEquals(new ListenAddress("::1", 9000), ListenAddress.parse("[::1]:9000"));
        assertEquals("[::1]:9000", ListenAddress.parse("[::1]:9000").toString());
        assertEquals("127.0.0.1:80", ListenAddress.parse(" 127.0.0.1:80 ").toString());
        for (String bad : new String[] {"8080", ":8080", "host:", "host:x", "host:70000", "::1:80", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(bad), bad);
            assertTrue(e.getMessage().contains("HOST:PORT") || e.getMessage().contains("port"), e.getMessage());
        }
    }

    @Test
    void aReplayWindowTheQueueCannotHoldBesideLiveMediaIsRefused() {
        ServerConfig small = ServerConfig.builder().sinkQueueMessages(256).sinkQueueBytes(1024 * 1024)
                .sinkHardCapMessages(512).sinkHardCapBytes(2 * 1024 * 1024).maxFrameBytes(8 * 1024).build();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new RelayServer(small, io.kfrelay.config.RelayConfig.defaults()));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("replay-window (1048576)"), e.getMessage());
        new RelayServer(small, io.kfrelay.config.RelayConfig.builder().replayWindowBytes(64 * 1024).build());
        new RelayServer(ServerConfig.defaults(), io.kfrelay.config.RelayConfig.defaults());
    }
}
