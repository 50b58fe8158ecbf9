package io.kfrelay.e2e;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.transport.TransportMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: a late joiner on a slow link gets its whole replay and then the live stream with no gap, through the real
 * WebSocket egress (its bounded queue, Netty's writability, TCP). The relay sends the replay as fast as the joiner
 * reads and no faster, so the joiner's own queue never overflows; the live packets that arrive meanwhile wait behind
 * the replay and follow it.
 *
 * <p>The cached GOP is 3 MB, far more than a joiner's queue admits at once (1024 messages, deltas to 75 %): sent
 * open-loop it would be cut. The joiner reads 16 KiB every 10 ms (about 13 Mbit/s) while the publisher goes on at
 * about 4 Mbit/s. (Over QUIC a reader that does not read loses datagrams in its own socket, which no relay can
 * prevent; QUIC on slow links is the link test's, in network namespaces with a rate limit.)
 */
@Timeout(60)
class SlowJoinerIT {
    private static final int CAM = 1;
    private static final int KEYFRAME_BYTES = 300_000;
    private static final int DELTA_BYTES = 16_000;
    /** Deltas cached before the join: 2.7 MB, so the replay is 3 MB. */
    private static final int CACHED_DELTAS = 170;
    /** Live deltas while the joiner catches up: 4 s at 30 fps, 3.8 Mbit/s. */
    private static final int LIVE_DELTAS = 120;

    @Test
    void aSlowReaderGetsTheWholeReplayThenLiveWithoutAGap() throws Exception {
        try (TestRelay relay = TestRelay.start(RelayConfig.builder().cacheMode(CacheMode.GOP).build())) {
            KfRelayClient pub = relay.join("room", "pub", new Received(), ClientOptions.defaults());
            long ts = 0;
            pub.publishFrame(CAM, Protocol.KIND_VIDEO, true, new byte[KEYFRAME_BYTES], ts);
            for (int i = 0; i < CACHED_DELTAS; i++) {
                pub.publishFrame(CAM, Protocol.KIND_VIDEO, false, new byte[DELTA_BYTES], ts += 3000);
            }
            Eventually.within(Duration.ofSeconds(5), "the GOP is cached",
                    () -> relay.core().metrics().stat(Stat.CACHE_BYTES) > 3_000_000);

            Received slow = new Received();
            try (SlowReader joiner = SlowReader.join(relay.server().wsPort(), "room", "slow", 16 * 1024, 10, slow)) {
                long start = System.nanoTime();
                for (int i = 0; i < LIVE_DELTAS; i++) {
                    LockSupport.parkNanos(start + i * 33_333_333L - System.nanoTime());
                    pub.publishFrame(CAM, Protocol.KIND_VIDEO, false, new byte[DELTA_BYTES], ts += 3000);
                }
                long sent = (KEYFRAME_BYTES / 1180 + 1) + (long) (CACHED_DELTAS + LIVE_DELTAS) * (DELTA_BYTES / 1180 + 1);
                Eventually.within(Duration.ofSeconds(30), () -> "the slow joiner catches up: has "
                        + slow.stream(pub.participantId(), CAM).size() + " of " + sent + "; " + relay.counters(),
                        () -> slow.stream(pub.participantId(), CAM).size() >= sent);

                List<Received.Packet> got = slow.stream(pub.participantId(), CAM);
                Received.Packet first = got.getFirst();
                assertTrue(first.replay() && first.keyframe() && first.frameStart(), "it starts with the cached keyframe");
                for (int i = 1; i < got.size(); i++) {
                    assertEquals(got.get(i - 1).seq() + 1, got.get(i).seq(),
                            "gap-free from the first replayed packet on, at packet " + i + "; " + relay.counters());
                }
                long replayed = got.stream().filter(Received.Packet::replay).count();
                assertTrue(replayed > 2500, "the whole GOP was replayed: " + replayed);
                assertEquals(0, relay.server().metrics().get(TransportMetrics.Counter.MEDIA_DROPPED),
                        "nothing dropped for the slow joiner; " + relay.counters());
                assertEquals(0, relay.core().metrics().drops(DropReason.REPLAY_QUEUE_FULL));
                assertEquals(0, relay.core().metrics().stat(Stat.REPLAYS_SKIPPED_FORWARD));
            }
        }
    }
}
