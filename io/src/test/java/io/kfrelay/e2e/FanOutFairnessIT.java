package io.kfrelay.e2e;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: one room cannot raise another room's loss on the same shard. A publisher fanned out to hundreds of its own
 * connections floods its shard as fast as it can write; a small room on the same shard publishes at an ordinary
 * rate meanwhile. Every packet of the small room arrives, as it does when it is alone. End to end, through every
 * shared part (the ring, the consumer, the event loops that both rooms' connections are written from); which of
 * them saturates first depends on the machine. The ring's share of the mechanism (each packet charged by its fan-out,
 * a fair share under pressure) is pinned down deterministically, with a stalled consumer, in core's FairShardTest.
 * The ring's work budget is small here so that it does come under pressure within seconds.
 */
@Timeout(120)
class FanOutFairnessIT {
    private static final int LOUD_RECEIVERS = 200;
    private static final int QUIET_PACKETS = 200;
    private static final long QUIET_INTERVAL_NANOS = 10_000_000L; // 100 packets/s for 2 s

    @Test
    void aFloodedRoomDoesNotCostAnotherRoomOnItsShardItsPackets() throws Exception {
        RelayConfig config = RelayConfig.builder().ringWork(100_000).build(); // 500 packets of the loud room
        Loss alone = quietLoss(config, false);
        Loss flooded = quietLoss(config, true);
        assertEquals(0, alone.packets(), () -> "the quiet room alone loses nothing; relay: " + alone.counters());
        assertEquals(alone.packets(), flooded.packets(),
                () -> "and nothing more while the other room floods the shard; relay: " + flooded.counters());
    }

    /** Packets the quiet room's receivers did not get, and the relay's counters then (where they were lost). */
    private record Loss(long packets, String counters) {
    }

    /** Packets the quiet room's receivers did not get, with or without the loud room flooding the same shard. */
    private static Loss quietLoss(RelayConfig config, boolean flood) throws Exception {
        try (TestRelay relay = TestRelay.startForCrowds(config)) {
            List<Received> quiet = List.of(new Received(), new Received(), new Received());
            for (int i = 0; i < quiet.size(); i++) {
                relay.join("quiet", "q" + i, quiet.get(i));
            }
            KfRelayClient quietPub = relay.join("quiet", "pub", new Received());
            KfRelayClient loudPub = null;
            List<Received> loud = new ArrayList<>();
            if (flood) {
                for (int i = 0; i < LOUD_RECEIVERS; i++) {
                    Received r = new Received();
                    relay.join("loud", "l" + i, r);
                    loud.add(r);
                }
                loudPub = relay.join("loud", "pub", new Received());
            }
            assertEquals(relay.core().shardIndex("quiet"), relay.core().shardIndex("loud"), "one shard");

            Thread flooder = null;
            if (loudPub != null) {
                KfRelayClient p = loudPub;
                flooder = Thread.ofPlatform().start(() -> {
                    byte[] frame = new byte[1000];
                    // A keyframe first, so every receiver takes every packet after it: real work for the shard.
                    p.publishFrame(1, Protocol.KIND_VIDEO, true, frame, 0);
                    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                    for (long ts = 90; System.nanoTime() < until; ts += 90) {
                        p.publishFrame(1, Protocol.KIND_VIDEO, false, frame, ts); // as fast as it can write
                    }
                });
            }
            byte[] audio = new byte[160];
            long start = System.nanoTime();
            for (int i = 0; i < QUIET_PACKETS; i++) {
                LockSupport.parkNanos(start + i * QUIET_INTERVAL_NANOS - System.nanoTime());
                quietPub.publishFrame(2, Protocol.KIND_AUDIO, false, audio, i * 960L);
            }
            if (flooder != null) {
                flooder.join();
            }
            long id = quietPub.participantId();
            // Whatever is still in flight arrives within a few seconds; a packet that never does is lost.
            try {
                Eventually.within(Duration.ofSeconds(10), "quiet packets arrive",
                        () -> quiet.stream().allMatch(r -> r.stream(id, 2).size() == QUIET_PACKETS));
            } catch (AssertionError notAll) {
                // counted below
            }
            long lost = 0;
            for (Received r : quiet) {
                lost += QUIET_PACKETS - r.stream(id, 2).size();
            }
            if (flood) {
                long refused = relay.core().metrics().drops(DropReason.INGRESS_SHARE)
                        + relay.core().metrics().drops(DropReason.RING_FULL);
                assertTrue(refused > 0, "the flood was real: the loud room's packets were refused at ingress; "
                        + relay.counters());
            }
            return new Loss(lost, relay.counters());
        }
    }
}
