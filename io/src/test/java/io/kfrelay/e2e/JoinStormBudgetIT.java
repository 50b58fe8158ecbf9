package io.kfrelay.e2e;

import io.kfrelay.cache.CacheBudget;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: a hundred JOINs in a second into a room with a full cache keep memory within the budget. Every joiner is
 * replayed the whole 2 MB GOP over a real WebSocket, and none reads until all have joined, so all hundred replays
 * are in flight at once; they share the cache's own memory, so what the relay holds does not grow with the joiners. Checked on the gauges, sampled every few
 * milliseconds while the storm lasts: the cache budget's use never passes its limit, and the relay's pooled direct
 * memory (where a copy per joiner would have gone) stays far below one GOP per joiner.
 */
@Timeout(120)
class JoinStormBudgetIT {
    private static final int JOINERS = 100;
    private static final long BUDGET = 16L * 1024 * 1024;
    private static final int GOP_FRAMES = 130;
    private static final int FRAME_BYTES = 16_000;

    @Test
    void aHundredJoinsASecondStayWithinTheBudget() throws Exception {
        RelayConfig config = RelayConfig.builder().cacheMode(CacheMode.GOP).cacheBudgetBytes(BUDGET).build();
        try (TestRelay relay = TestRelay.startForCrowds(config)) {
            // The clients allocate from an allocator of their own: the relay's core allocates from the default
            // pooled one, so that is where a copy per joiner would show.
            ClientOptions clients = ClientOptions.builder().allocator(new UnpooledByteBufAllocator(true)).build();
            KfRelayClient pub = relay.join("storm", "pub", new Received(), clients);
            long ts = 0;
            pub.publishFrame(1, Protocol.KIND_VIDEO, true, new byte[FRAME_BYTES * 4], ts);
            for (int i = 1; i < GOP_FRAMES; i++) {
                pub.publishFrame(1, Protocol.KIND_VIDEO, false, new byte[FRAME_BYTES], ts += 3000);
            }
            long gopBytes = (long) FRAME_BYTES * (GOP_FRAMES + 3);
            Eventually.within(Duration.ofSeconds(5), "the GOP is cached",
                    () -> relay.core().metrics().stat(Stat.CACHE_BYTES) >= gopBytes);
            CacheBudget budget = relay.core().cacheBudget();
            long pooledBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();

            AtomicBoolean storming = new AtomicBoolean(true);
            AtomicLong maxBudget = new AtomicLong();
            AtomicLong maxPooled = new AtomicLong();
            Thread sampler = Thread.ofPlatform().start(() -> {
                while (storming.get()) {
                    maxBudget.accumulateAndGet(budget.reserved(), Math::max);
                    maxPooled.accumulateAndGet(PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory(), Math::max);
                    LockSupport.parkNanos(2_000_000);
                }
            });
            List<Received> joiners = new ArrayList<>();
            List<KfRelayClient> connections = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < JOINERS; i++) {
                LockSupport.parkNanos(start + i * 10_000_000L - System.nanoTime()); // 100 per second
                Received r = new Received();
                connections.add(relay.join("storm", "j" + i, r, clients));
                connections.getLast().setReading(false); // its replay stays in flight
                joiners.add(r);
            }
            Thread.sleep(200);
            connections.forEach(c -> c.setReading(true));
            long senderId = pub.participantId();
            long cachedPackets = relay.core().room("storm").get().participants().stream()
                    .filter(p -> p.id() == senderId).flatMap(p -> p.streams().stream())
                    .findFirst().orElseThrow().cachedPackets();
            Eventually.within(Duration.ofSeconds(60), () -> "every joiner got the whole replay; " + relay.counters(),
                    () -> joiners.stream().allMatch(r -> r.stream(senderId, 1).size() >= cachedPackets));
            storming.set(false);
            sampler.join();

            assertEquals(JOINERS, relay.core().metrics().stat(Stat.REPLAYS));
            assertTrue(maxBudget.get() <= BUDGET, "the budget held: at most " + maxBudget.get() + " of " + BUDGET);
            long pooledGrowth = maxPooled.get() - pooledBefore;
            assertTrue(pooledGrowth < 4 * gopBytes, "no copy per joiner: pooled direct memory grew by at most "
                    + pooledGrowth + " bytes while " + JOINERS + " joiners were replayed " + gopBytes + " bytes each");
        }
    }
}
