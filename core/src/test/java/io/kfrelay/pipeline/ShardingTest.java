package io.kfrelay.pipeline;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.Stat;
import io.kfrelay.testing.RecordingSink.Media;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rooms spread over several rings; each room still sees one order. */
class ShardingTest {
    private TestRelay relay;

    @AfterEach
    void close() {
        relay.close();
    }

    @Test
    @DisplayName("sharding keeps every room's order: concurrent publishers in 16 rooms over 4 shards, no loss, no reordering")
    void shardsKeepRoomOrder() throws Exception {
        relay = new TestRelay(RelayConfig.builder().shards(4).ringSize(1 << 16).build());
        int rooms = 16;
        int packets = 2_000;
        List<TestPeer> publishers = new ArrayList<>();
        List<TestPeer> subscribers = new ArrayList<>();
        Set<Integer> shardsUsed = new HashSet<>();
        for (int r = 0; r < rooms; r++) {
            String room = "room-" + r;
            shardsUsed.add(relay.core.shardIndex(room));
            publishers.add(relay.join(room, "pub"));
            subscribers.add(relay.join(room, "sub"));
        }
        assertTrue(shardsUsed.size() >= 3, "rooms spread over shards: " + shardsUsed);

        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                // Each thread owns 4 rooms' publishers and interleaves them packet by packet.
                for (int i = 0; i < packets; i++) {
                    for (int r = thread; r < rooms; r += 4) {
                        publishers.get(r).audio(1);
                    }
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        relay.settle();

        for (int r = 0; r < rooms; r++) {
            List<Long> got = subscribers.get(r).sink.media().stream().map(Media::seq).toList();
            assertEquals(LongStream.range(0, packets).boxed().toList(), got, "room " + r);
            long publisher = publishers.get(r).id();
            assertTrue(subscribers.get(r).sink.media().stream().allMatch(m -> m.sender() == publisher));
        }
        assertEquals((long) rooms * packets, relay.stat(Stat.INGRESS_PACKETS));
    }

    @Test
    @DisplayName("a room always maps to the same shard")
    void stableAssignment() {
        relay = new TestRelay(RelayConfig.builder().shards(3).build());
        for (int i = 0; i < 100; i++) {
            assertEquals(relay.core.shardIndex("room-" + i), relay.core.shardIndex("room-" + i));
            assertTrue(relay.core.shardIndex("room-" + i) < 3);
        }
    }
}
