package io.kfrelay.perf.load;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static io.kfrelay.protocol.Protocol.FLAG_FRAME_END;
import static io.kfrelay.protocol.Protocol.FLAG_FRAME_START;
import static io.kfrelay.protocol.Protocol.FLAG_KEYFRAME;
import static io.kfrelay.protocol.Protocol.FLAG_REPLAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerSwitcherTest {
    private static final long PUB = 7;
    private static final List<Integer> SOURCE = List.of(10, 11, 12);
    private static final long MS = 1_000_000L;
    private static final LayerSwitcher.Plan PLAN = new LayerSwitcher.Plan(Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(10));

    /** The switcher's world: a clock moved by hand, SUBSCRIBEs recorded, tasks run when their time comes. */
    private final class World implements LayerSwitcher.Actions {
        long now = 1_000 * MS;
        final List<int[]> subscribes = new ArrayList<>(); // {stream, layer}
        final List<Object[]> tasks = new ArrayList<>();   // {at, task}

        @Override
        public void subscribe(long publisherId, int streamId, int layer) {
            assertEquals(PUB, publisherId);
            subscribes.add(new int[]{streamId, layer});
        }

        @Override
        public void schedule(Runnable task, long delayNanos) {
            tasks.add(new Object[]{now + delayNanos, task});
        }

        @Override
        public long nanoTime() {
            return now;
        }

        /** Moves the clock to {@code at}, running every task due by then, in time order. */
        void advanceTo(long at) {
            while (runNext(at)) {
                // until none is due
            }
            now = at;
        }

        /** Runs the tasks due by {@code limit} until one sends a SUBSCRIBE; the clock stops there. */
        void untilNextSubscribe(long limit) {
            int before = subscribes.size();
            while (subscribes.size() == before) {
                if (!runNext(limit)) {
                    throw new AssertionError("no SUBSCRIBE by " + limit / MS + " ms");
                }
            }
        }

        private boolean runNext(long limit) {
            Object[] next = tasks.stream().filter(t -> (long) t[0] <= limit)
                    .min((a, b) -> Long.compare((long) a[0], (long) b[0])).orElse(null);
            if (next == null) {
                return false;
            }
            tasks.remove(next);
            now = (long) next[0];
            ((Runnable) next[1]).run();
            return true;
        }

        int lastLayer() {
            return subscribes.getLast()[1];
        }
    }

    private World world;
    private SwitchStats stats;
    private LayerSwitcher switcher;
    private long seq = 100;

    @BeforeEach
    void setUp() {
        world = new World();
        MeasureWindow window = new MeasureWindow();
        window.open(0);
        stats = new SwitchStats(window);
        switcher = new LayerSwitcher(world, PLAN, new SplittableRandom(3), stats);
    }

    /** The relay switches the receiver to {@code layer}: LAYER, then a keyframe of three packets. */
    private void relaySends(int layer, int replayFlag, long keyframeAfter) {
        switcher.onLayer(PUB, 10, 10 + layer, layer);
        world.advanceTo(world.now + keyframeAfter);
        int stream = 10 + layer;
        switcher.onVideo(PUB, stream, FLAG_KEYFRAME | FLAG_FRAME_START | replayFlag, seq++, world.now);
        switcher.onVideo(PUB, stream, FLAG_KEYFRAME | replayFlag, seq++, world.now);
        switcher.onVideo(PUB, stream, FLAG_KEYFRAME | FLAG_FRAME_END | replayFlag, seq++, world.now);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> counts(Map<String, Object> taken) {
        return (Map<String, Object>) taken.get("layer_switches");
    }

    @Test
    void subscribesToANewSourceAtARandomLayerAndThatIsNoSwitch() {
        switcher.onSource(PUB, SOURCE);
        assertEquals(1, world.subscribes.size());
        assertEquals(10, world.subscribes.getFirst()[0], "the source's id");
        int first = world.lastLayer();
        relaySends(first, FLAG_REPLAY, 5 * MS);
        switcher.onSource(PUB, SOURCE); // announced again (it never is, but): nothing new
        assertEquals(1, world.subscribes.size());
        Map<String, Object> taken = stats.take();
        assertEquals(0L, counts(taken).get("started"));
        assertNull(taken.get("layer_switch_ms"), "the first layer is not a switch");
    }

    @Test
    void switchesToAnotherLayerAfterARandomGapAndTimesItToTheCompleteKeyframe() {
        switcher.onSource(PUB, SOURCE);
        int first = world.lastLayer();
        relaySends(first, 0, 5 * MS);
        long done = world.now;
        world.advanceTo(done + 1_999 * MS);
        assertEquals(1, world.subscribes.size(), "no switch before the 2 s gap");
        world.untilNextSubscribe(done + 5_000 * MS);
        int second = world.lastLayer();
        assertNotEquals(first, second, "another layer");

        long sent = world.now;
        world.advanceTo(sent + 3 * MS);
        relaySends(second, FLAG_REPLAY, 4 * MS); // LAYER at +3 ms, keyframe whole at +7 ms
        Map<String, Object> taken = stats.take();
        @SuppressWarnings("unchecked")
        Map<String, Object> all = (Map<String, Object>) taken.get("layer_switch_ms");
        assertEquals(7.0, (double) all.get("p50"), 0.01);
        @SuppressWarnings("unchecked")
        Map<String, Object> toLayer = (Map<String, Object>) taken.get("layer_switch_subscribe_to_layer_message_ms");
        assertEquals(3.0, (double) toLayer.get("p50"), 0.01);
        assertTrue(taken.get("layer_switch_from_cache_ms") != null, "replayed: served from the cache");
        assertNull(taken.get("layer_switch_live_ms"));
        assertTrue(taken.get("layer_switch_to_layer_" + second + "_ms") != null);
        assertEquals(1L, counts(taken).get("started"));
        assertEquals(1L, counts(taken).get("completed"));
        assertEquals(1L, counts(taken).get("from_cache"));
        assertEquals(0L, counts(taken).get("unresolved"));
    }

    @Test
    void aKeyframeWithAHoleDoesNotEndTheSwitchTheNextWholeOneDoesAndIsLive() {
        switcher.onSource(PUB, SOURCE);
        relaySends(world.lastLayer(), 0, MS);
        world.untilNextSubscribe(world.now + 5_000 * MS);
        int layer = world.lastLayer();
        int stream = 10 + layer;
        switcher.onLayer(PUB, 10, stream, layer);
        switcher.onVideo(PUB, stream, FLAG_KEYFRAME | FLAG_FRAME_START | FLAG_REPLAY, 500, world.now);
        switcher.onVideo(PUB, stream, FLAG_KEYFRAME | FLAG_FRAME_END | FLAG_REPLAY, 502, world.now); // 501 lost
        assertEquals(1L, stats.unresolved());
        world.advanceTo(world.now + 100 * MS);
        switcher.onVideo(PUB, stream, FLAG_KEYFRAME | FLAG_FRAME_START | FLAG_FRAME_END, 530, world.now);
        Map<String, Object> taken = stats.take();
        assertEquals(1L, counts(taken).get("live_after_broken_replay"));
        assertTrue(taken.get("layer_switch_live_ms") != null);
    }

    @Test
    void packetsOfOtherStreamsAndLayersAnnouncedUnaskedChangeNothing() {
        switcher.onSource(PUB, SOURCE);
        int layer = world.lastLayer();
        switcher.onLayer(PUB, 10, 10 + (layer + 1) % 3, (layer + 1) % 3); // not the one asked for
        switcher.onVideo(PUB, 10 + layer, FLAG_KEYFRAME | FLAG_FRAME_START | FLAG_FRAME_END, 1, world.now);
        switcher.onVideo(PUB + 1, 10 + layer, FLAG_KEYFRAME | FLAG_FRAME_START | FLAG_FRAME_END, 1, world.now);
        world.advanceTo(world.now + 9_000 * MS);
        assertEquals(1, world.subscribes.size(), "still waiting for the layer asked for");
        assertEquals(1L, counts(stats.take()).get("other_layer_messages"));
    }

    @Test
    void aSwitchNotDoneWithinTheTimeoutIsGivenUpAndTheNextOneScheduled() {
        switcher.onSource(PUB, SOURCE);
        relaySends(world.lastLayer(), 0, MS);
        world.untilNextSubscribe(world.now + 5_000 * MS);
        assertEquals(2, world.subscribes.size());
        world.advanceTo(world.now + 10_000 * MS);  // no LAYER, no keyframe: given up just now
        Map<String, Object> taken = stats.take();
        assertEquals(1L, counts(taken).get("timed_out"));
        assertEquals(0L, counts(taken).get("unresolved"));
        world.advanceTo(world.now + 5_000 * MS);
        assertEquals(3, world.subscribes.size(), "and switching goes on");
    }

    @Test
    void stoppedItSubscribesNoMore() {
        switcher.onSource(PUB, SOURCE);
        relaySends(world.lastLayer(), 0, MS);
        switcher.stop();
        world.advanceTo(world.now + 60_000 * MS);
        assertEquals(1, world.subscribes.size());
    }

    @Test
    void aPublisherThatLeftIsForgotten() {
        switcher.onSource(PUB, SOURCE);
        relaySends(world.lastLayer(), 0, MS);
        switcher.onPublisherLeft(PUB);
        world.advanceTo(world.now + 60_000 * MS);
        assertEquals(1, world.subscribes.size());
    }
}
