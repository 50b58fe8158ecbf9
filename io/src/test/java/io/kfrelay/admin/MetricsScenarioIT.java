package io.kfrelay.admin;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: /metrics counts exactly what happened. A scripted scenario on a real relay — a subscriber waiting for a
 * keyframe, a cached keyframe, one rejected for its size, a late joiner replayed, a stream over the limit — and
 * then every number the scrape shows is the one the script implies.
 */
@Timeout(60)
class MetricsScenarioIT {
    private static final int VIDEO = 1;
    private static final int AUDIO = 2;
    /** The client's packets carry at most 1180 payload bytes after a 20-byte header. */
    private static final int PAYLOAD_PER_PACKET = 1180;
    private static final int HEADER = 20;

    private static int packets(int frameBytes) {
        return (frameBytes + PAYLOAD_PER_PACKET - 1) / PAYLOAD_PER_PACKET;
    }

    private static long bytes(int frameBytes) {
        return frameBytes + (long) HEADER * packets(frameBytes);
    }

    private static long scrapeLagCount(AdminRelay relay) {
        try {
            return relay.scrape().value("kfrelay_event_loop_lag_seconds_count");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyCounterMatchesTheScriptedScenario() throws Exception {
        RelayConfig config = RelayConfig.builder()
                .cacheMode(CacheMode.KEYFRAME)
                .keyframeCapBytes(8 * 1024)
                .maxStreamsPerParticipant(1)
                .keyframeRequestInterval(Duration.ofHours(1)) // exactly one request, however slow the machine
                .build();
        try (AdminRelay relay = AdminRelay.start(config)) {
            MediaCount a = new MediaCount();
            MediaCount b = new MediaCount();
            KfRelayClient publisher = relay.join("stage", "publisher", new MediaCount());
            relay.join("stage", "early", a);

            int d0 = 400;        // a delta before any keyframe: the early subscriber cannot decode it
            int k1 = 3000;       // a keyframe: cached, and forwarded
            int k2 = 10_000;     // a keyframe over the 8 KiB cap: forwarded, but rejected by the cache
            publisher.publishFrame(VIDEO, Protocol.KIND_VIDEO, false, new byte[d0], 0);
            publisher.publishFrame(VIDEO, Protocol.KIND_VIDEO, true, new byte[k1], 3000);
            publisher.publishFrame(VIDEO, Protocol.KIND_VIDEO, true, new byte[k2], 6000);
            int early = packets(k1) + packets(k2);
            Eventually.within(Duration.ofSeconds(10), () -> "early subscriber got " + a.packets + " of " + early,
                    () -> a.packets.get() == early);

            relay.join("stage", "late", b); // replayed the cached keyframe k1
            Eventually.within(Duration.ofSeconds(10), () -> "late joiner replayed " + b.replayed,
                    () -> b.replayed.get() == packets(k1));

            int audio = 160;     // a second stream, over the limit of one per participant: dropped
            int d1 = 500;        // a delta everyone receives: when it has arrived, everything before has been counted
            publisher.publishFrame(AUDIO, Protocol.KIND_AUDIO, false, new byte[audio], 0);
            publisher.publishFrame(VIDEO, Protocol.KIND_VIDEO, false, new byte[d1], 9000);
            Eventually.within(Duration.ofSeconds(10), () -> "delta arrived: " + a.packets + ", " + b.packets,
                    () -> a.packets.get() == early + 1 && b.packets.get() == packets(k1) + 1);

            long ingressPackets = packets(d0) + packets(k1) + packets(k2) + packets(audio) + packets(d1);
            long ingressBytes = bytes(d0) + bytes(k1) + bytes(k2) + bytes(audio) + bytes(d1);
            long egressPackets = (packets(k1) + packets(k2) + packets(d1)) + (packets(k1) + packets(d1));
            long egressBytes = (bytes(k1) + bytes(k2) + bytes(d1)) + (bytes(k1) + bytes(d1));

            Map<String, Long> expected = new TreeMap<>();
            expected.put("kfrelay_rooms", 1L);
            expected.put("kfrelay_participants", 3L);
            expected.put("kfrelay_streams", 1L);
            expected.put("kfrelay_joins_total", 3L);
            expected.put("kfrelay_joins_rejected_total", 0L);
            expected.put("kfrelay_leaves_total", 0L);
            expected.put("kfrelay_ingress_packets_total{transport=\"ws\"}", ingressPackets);
            expected.put("kfrelay_ingress_bytes_total{transport=\"ws\"}", ingressBytes);
            expected.put("kfrelay_egress_packets_total{transport=\"ws\"}", egressPackets);
            expected.put("kfrelay_egress_bytes_total{transport=\"ws\"}", egressBytes);
            expected.put("kfrelay_core_ingress_packets_total", ingressPackets);
            expected.put("kfrelay_core_ingress_bytes_total", ingressBytes);
            expected.put("kfrelay_core_egress_packets_total", egressPackets);
            expected.put("kfrelay_core_egress_bytes_total", egressBytes);
            expected.put("kfrelay_drops_total{reason=\"awaiting_keyframe\"}", 1L);
            expected.put("kfrelay_drops_total{reason=\"too_many_streams\"}", 1L);
            expected.put("kfrelay_drops_total{reason=\"ring_full\"}", 0L);
            expected.put("kfrelay_drops_total{reason=\"replay_queue_full\"}", 0L);
            expected.put("kfrelay_drops_total{reason=\"malformed\"}", 0L);
            expected.put("kfrelay_keyframes_promoted_total", 1L);
            expected.put("kfrelay_keyframes_rejected_total{reason=\"over_cap\"}", 1L);
            expected.put("kfrelay_keyframes_rejected_total{reason=\"gap\"}", 0L);
            expected.put("kfrelay_keyframes_rejected_total{reason=\"interrupted\"}", 0L);
            expected.put("kfrelay_cache_bytes{mode=\"keyframe\"}", bytes(k1));
            expected.put("kfrelay_cache_entries{mode=\"keyframe\"}", 1L);
            expected.put("kfrelay_replays_total", 1L);
            expected.put("kfrelay_replays_active", 0L);
            expected.put("kfrelay_replay_packets_total", (long) packets(k1));
            expected.put("kfrelay_replay_bytes_total", bytes(k1));
            expected.put("kfrelay_replay_duration_seconds_count", 1L);
            expected.put("kfrelay_replay_duration_seconds_bucket{le=\"+Inf\"}", 1L);
            expected.put("kfrelay_keyframe_requests_sent_total", 1L);
            expected.put("kfrelay_keyframe_requests_throttled_total", 0L);
            expected.put("kfrelay_transport_joins_total{transport=\"ws\"}", 3L);
            expected.put("kfrelay_connections_open{transport=\"ws\"}", 3L);
            expected.put("kfrelay_transport_media_dropped_total{transport=\"ws\"}", 0L);
            expected.put("kfrelay_ring_capacity{shard=\"0\"}", (long) config.ringSize());
            expected.put("kfrelay_draining", 0L);

            Scrape scrape = relay.scrape();
            Map<String, Long> actual = new TreeMap<>();
            expected.keySet().forEach(series -> actual.put(series, scrape.value(series)));
            assertEquals(expected, actual, "the scrape counts the scenario exactly");

            assertEquals("histogram", scrape.types().get("kfrelay_replay_duration_seconds"));
            assertEquals("counter", scrape.types().get("kfrelay_joins_total"));
            Eventually.within(Duration.ofSeconds(5), () -> "the event-loop lag probe runs every 100 ms",
                    () -> scrapeLagCount(relay) > 0);
            assertTrue(scrape.value("kfrelay_jvm_memory_used_bytes{area=\"heap\"}") > 0, "JVM memory is exported");
            assertTrue(scrape.samples().keySet().stream().allMatch(s -> s.startsWith("kfrelay_")),
                    "every name starts with kfrelay_");
        }
    }
}
