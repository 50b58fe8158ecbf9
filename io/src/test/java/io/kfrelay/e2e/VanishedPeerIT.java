package io.kfrelay.e2e;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.Stat;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.server.QuicConfig;
import io.kfrelay.transport.quic.QuicMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: a QUIC peer that vanishes without a word (no LEAVE, no close: its packets just stop) is removed within the
 * idle timeout, with the same cleanup as a leave: the others hear it left and its cache is freed.
 */
@Timeout(30)
class VanishedPeerIT {
    private static final Duration IDLE = Duration.ofSeconds(1);

    @Test
    void aVanishedPeerLeavesWithinTheIdleTimeoutAndItsCacheIsFreed() throws Exception {
        QuicConfig quic = QuicConfig.builder().listen("127.0.0.1", 0).idleTimeout(IDLE)
                .keepAlive(Duration.ofMillis(250)).build();
        try (TestRelay relay = TestRelay.start(RelayConfig.builder().cacheMode(CacheMode.GOP).build(), quic);
             LossyUdpProxy proxy = new LossyUdpProxy(new InetSocketAddress("127.0.0.1", relay.server().quic().address().getPort()))) {
            RelayCore core = relay.core();
            Received watcher = new Received();
            relay.join("gone", "watcher", watcher, Transport.WS);
            KfRelayClient ghost = relay.join(URI.create("quic://127.0.0.1:" + proxy.port()), "gone", "ghost",
                    new Received(), relay.options(Transport.QUIC));
            long id = ghost.participantId();
            ghost.publishFrame(1, Protocol.KIND_VIDEO, true, new byte[4000], 0);
            Eventually.within(Duration.ofSeconds(5), "the ghost's keyframe is cached", () -> cacheBytes(core) > 0);
            Thread.sleep(2 * IDLE.toMillis()); // keep-alives keep a quiet but healthy peer in the room
            assertTrue(watcher.events.stream().noneMatch(e -> e.equals("left " + id)), "a quiet peer is not idle");

            long vanished = System.nanoTime();
            proxy.blackhole();
            Eventually.within(IDLE.multipliedBy(3), () -> "the ghost is gone; events " + watcher.events,
                    () -> watcher.events.contains("left " + id));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - vanished);
            assertTrue(tookMillis < IDLE.toMillis() + 1000, "removed within the idle timeout (and a little), took "
                    + tookMillis + " ms");
            assertTrue(watcher.events.contains("ended " + id + "/1"), "its stream ended first");
            Eventually.within(Duration.ofSeconds(2), () -> "cache bytes back to 0, is " + cacheBytes(core),
                    () -> cacheBytes(core) == 0);
            assertEquals(1, relay.server().quicMetrics().get(QuicMetrics.Counter.IDLE_TIMEOUTS), "counted as an idle timeout");
        }
    }

    private static long cacheBytes(RelayCore core) {
        core.sync().orTimeout(5, TimeUnit.SECONDS).join();
        return core.metrics().stat(Stat.CACHE_BYTES);
    }
}
