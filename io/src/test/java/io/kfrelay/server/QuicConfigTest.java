package io.kfrelay.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The QUIC listener's settings: documented defaults, and every bad value refused with its option's name. */
class QuicConfigTest {

    @Test
    void defaults() {
        QuicConfig c = QuicConfig.defaults();
        assertTrue(c.enabled());
        assertNull(c.listen(), "not named: ListenPolicy decides at start (loopback without an auth secret)");
        assertEquals(Duration.ofSeconds(30), c.idleTimeout());
        assertEquals(1452, c.maxUdpPayloadBytes());
        assertFalse(QuicConfig.disabled().enabled());
        assertFalse(QuicConfig.disabled().toBuilder().build().enabled(), "toBuilder keeps it");
        assertEquals(new ListenAddress("::1", 0), QuicConfig.builder().listen("::1", 0).build().toBuilder().build().listen());
        assertEquals(1, c.eventLoops());
        assertEquals(1, c.eventLoopCount());
    }

    @Test
    void zeroEventLoopsMeansOnePerCore() {
        QuicConfig c = QuicConfig.builder().eventLoops(0).build();
        assertEquals(Runtime.getRuntime().availableProcessors(), c.eventLoopCount());
        assertEquals(4, c.toBuilder().eventLoops(4).build().eventLoopCount());
        assertEquals(4, QuicConfig.builder().eventLoops(4).build().toBuilder().build().eventLoops(), "toBuilder keeps it");
    }

    @Test
    void badValuesNameTheirOption() {
        assertMessage("quic-keep-alive", () -> QuicConfig.builder().keepAlive(Duration.ofSeconds(30)).build());
        assertMessage("quic-max-udp-payload", () -> QuicConfig.builder().maxUdpPayloadBytes(1000).build());
        assertMessage("quic-idle-timeout", () -> QuicConfig.builder().idleTimeout(Duration.ofMillis(10)).build());
        assertMessage("quic-event-loops", () -> QuicConfig.builder().eventLoops(-1).build());
        assertMessage("quic-event-loops", () -> QuicConfig.builder().eventLoops(QuicConfig.MAX_EVENT_LOOPS + 1).build());
    }

    private static void assertMessage(String option, Runnable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(e.getMessage().contains(option), e.getMessage());
    }
}
