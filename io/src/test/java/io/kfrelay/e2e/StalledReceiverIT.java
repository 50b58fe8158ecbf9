package io.kfrelay.e2e;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.transport.TransportMetrics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: a receiver that stops reading does not slow the others down. While one participant's socket is stalled,
 * every other receiver still gets every packet, each within 2 s of its sending. Over WebSocket a stalled socket
 * fills its TCP window; over QUIC a receiver that stops reading stops acknowledging, and the relay's datagram
 * credit for it runs out.
 */
@Timeout(60)
class StalledReceiverIT {
    private static final int FRAMES = 500;
    private static final int FRAME_BYTES = 24_000;
    /** Big packets (2 per frame): the test is about bytes piling up, not about per-packet overhead. */
    private static final int PACKET_BYTES = 16_000;
    private static final long FRAME_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final Duration BOUND = Duration.ofSeconds(2);

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aStalledReceiverDoesNotSlowTheOthers(Transport transport) throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME)) {
            KfRelayClient stalled = relay.join("busy", "stalled", new Received(), transport);
            stalled.setReading(false); // its TCP window fills up, then the relay's queue for it
            List<Received> healthy = List.of(new Received(), new Received(), new Received());
            for (int i = 0; i < healthy.size(); i++) {
                relay.join("busy", "healthy-" + i, healthy.get(i), transport);
            }
            KfRelayClient sender = relay.join("busy", "sender", new Received(),
                    ClientOptions.builder().maxPacketBytes(PACKET_BYTES).build(), transport);
            long senderId = sender.participantId();

            // 100 frames/s of 24 kB for 5 s, 12 MB: more than the stalled socket (about 4 MB of kernel buffers here)
            // and its relay queue (4 MiB) can hold, while a healthy receiver's queue could absorb 1.6 s of hiccup.
            Map<Long, Long> sentAt = new ConcurrentHashMap<>();
            byte[] frame = new byte[FRAME_BYTES];
            long start = System.nanoTime();
            long packets = 0;
            for (int f = 0; f < FRAMES; f++) {
                LockSupport.parkNanos(start + f * FRAME_INTERVAL_NANOS - System.nanoTime());
                long timestamp = f * 900L;
                sentAt.put(timestamp, System.nanoTime());
                packets += sender.publishFrame(1, Protocol.KIND_VIDEO, f % 50 == 0, frame, timestamp);
            }
            long total = packets;

            for (Received r : healthy) {
                Eventually.within(BOUND.plusSeconds(1), () -> "a healthy receiver gets all " + total + " packets, has "
                        + r.packetCount() + "; " + relay.counters(), () -> r.packetCount() == total);
                long worstNanos = 0;
                for (Received.Packet p : r.stream(senderId, 1)) {
                    worstNanos = Math.max(worstNanos, p.arrivalNanos() - sentAt.get(p.timestamp()));
                }
                assertTrue(worstNanos < BOUND.toNanos(), "every packet within " + BOUND.toMillis() + " ms of its sending; "
                        + "the slowest took " + worstNanos / 1_000_000 + " ms; " + relay.counters());
                assertTrue(r.errors.isEmpty(), () -> "no client errors: " + r.errors);
            }
            TransportMetrics m = relay.metrics(transport);
            assertTrue(m.get(TransportMetrics.Counter.MEDIA_DROPPED) > 0
                            || m.get(TransportMetrics.Counter.SLOW_RECEIVERS_DISCONNECTED) > 0,
                    "the stall was real: the relay had to drop media for (or cut off) the stalled receiver");
            assertEquals(total, healthy.getFirst().stream(senderId, 1).size());
        }
    }
}
