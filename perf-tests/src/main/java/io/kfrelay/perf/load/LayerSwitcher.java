package io.kfrelay.perf.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * One receiver's simulcast behaviour: subscribes to every source announced in its room (SIMULCAST) at a random
 * layer, and once that layer's first complete keyframe is in, waits a random gap and switches the source to another
 * random layer (SUBSCRIBE with the new layer), again and again. It times each switch: from sending the SUBSCRIBE to
 * the LAYER message naming the new layer, and to the last packet of the new layer's first complete keyframe
 * ({@link KeyframeWatch}); a receiver can show the new layer only from then on. A switch not done within the plan's
 * timeout is given up (counted) and the next one scheduled. The first subscription to a source is not a switch.
 *
 * <p>Runs on its client's I/O thread only (the client's callbacks and the tasks it schedules on that loop); the per
 * packet work is a search among the few sources a receiver has, no allocation.
 */
public final class LayerSwitcher {

    /** What the switcher does to the world: its client and its event loop (tests give fakes). */
    public interface Actions {
        void subscribe(long publisherId, int streamId, int layer);

        /** Runs {@code task} on the client's thread after {@code delayNanos}. */
        void schedule(Runnable task, long delayNanos);

        long nanoTime();
    }

    /**
     * @param minGap  shortest wait between one switch being done and the next SUBSCRIBE of the same source
     * @param maxGap  longest such wait (uniform in between)
     * @param timeout a switch not done this long after its SUBSCRIBE is given up
     */
    public record Plan(Duration minGap, Duration maxGap, Duration timeout) {
        public Plan {
            if (minGap.isNegative() || maxGap.compareTo(minGap) < 0 || !timeout.isPositive()) {
                throw new IllegalArgumentException("a switch plan needs 0 <= minGap <= maxGap and a positive timeout");
            }
        }
    }

    private enum State { IDLE, AWAITING_LAYER, AWAITING_KEYFRAME }

    /** One source this receiver subscribed to. */
    private static final class Source {
        final long publisherId;
        final int[] streamIds;
        final KeyframeWatch watch = new KeyframeWatch();
        State state = State.IDLE;
        /** The layer the receiver has now (its first complete keyframe arrived), -1 before the first. */
        int layer = -1;
        int target;
        int awaitedStream;
        boolean first;
        long sentNanos;
        long layerNanos;
        /** Bumped whenever the state moves on, so that a stale scheduled task does nothing. */
        int generation;

        Source(long publisherId, int[] streamIds) {
            this.publisherId = publisherId;
            this.streamIds = streamIds;
        }

        int sourceId() {
            return streamIds[0];
        }
    }

    private final Actions actions;
    private final Plan plan;
    private final RandomGenerator random;
    private final SwitchStats stats;
    private final List<Source> sources = new ArrayList<>(4);
    private volatile boolean stopped;

    public LayerSwitcher(Actions actions, Plan plan, RandomGenerator random, SwitchStats stats) {
        this.actions = actions;
        this.plan = plan;
        this.random = random;
        this.stats = stats;
    }

    /** A source was announced (SIMULCAST) by another participant: subscribe to it at a random layer. */
    public void onSource(long publisherId, List<Integer> streamIds) {
        if (stopped || find(publisherId, streamIds.getFirst()) != null) {
            return;
        }
        Source s = new Source(publisherId, streamIds.stream().mapToInt(Integer::intValue).toArray());
        sources.add(s);
        subscribe(s, random.nextInt(s.streamIds.length), true);
    }

    /** The publisher left: its sources go with it. */
    public void onPublisherLeft(long publisherId) {
        sources.removeIf(s -> {
            if (s.publisherId == publisherId) {
                s.generation++;
                return true;
            }
            return false;
        });
    }

    /** LAYER: from the next packet of the source on, this receiver gets {@code layer} (stream {@code streamId}). */
    public void onLayer(long publisherId, int sourceId, int streamId, int layer) {
        Source s = find(publisherId, sourceId);
        if (s == null) {
            return;
        }
        if (s.state != State.AWAITING_LAYER || layer != s.target) {
            stats.otherLayer(); // the relay moved the receiver on its own (a layer ended or started)
            return;
        }
        s.state = State.AWAITING_KEYFRAME;
        s.awaitedStream = streamId;
        s.layerNanos = actions.nanoTime();
        s.watch.reset();
    }

    /** One video packet (hot: every packet the receiver gets). */
    public void onVideo(long senderId, int streamId, int flags, long sequence, long nowNanos) {
        for (int i = 0, n = sources.size(); i < n; i++) {
            Source s = sources.get(i);
            if (s.state == State.AWAITING_KEYFRAME && s.awaitedStream == streamId && s.publisherId == senderId) {
                if (s.watch.onPacket(flags, sequence)) {
                    done(s, nowNanos);
                }
                return;
            }
        }
    }

    /** No more switches (the client is closing). */
    public void stop() {
        stopped = true;
    }

    private Source find(long publisherId, int sourceId) {
        for (Source s : sources) {
            if (s.publisherId == publisherId && s.sourceId() == sourceId) {
                return s;
            }
        }
        return null;
    }

    private void subscribe(Source s, int layer, boolean first) {
        s.state = State.AWAITING_LAYER;
        s.target = layer;
        s.first = first;
        s.sentNanos = actions.nanoTime();
        int generation = ++s.generation;
        if (!first) {
            stats.started(s.sentNanos);
        }
        actions.subscribe(s.publisherId, s.sourceId(), layer);
        actions.schedule(() -> timeout(s, generation), plan.timeout().toNanos());
    }

    private void done(Source s, long now) {
        if (!s.first) {
            stats.completed(s.sentNanos, s.layerNanos - s.sentNanos, now - s.sentNanos, s.target, s.watch.source());
        }
        s.layer = s.target;
        scheduleNext(s);
    }

    private void timeout(Source s, int generation) {
        if (s.generation != generation || s.state == State.IDLE) {
            return;
        }
        if (!s.first) {
            stats.timedOut(s.sentNanos);
        }
        scheduleNext(s);
    }

    private void scheduleNext(Source s) {
        s.state = State.IDLE;
        int generation = ++s.generation;
        if (stopped) {
            return;
        }
        long lo = plan.minGap().toNanos();
        long hi = plan.maxGap().toNanos();
        long gap = lo == hi ? lo : lo + random.nextLong(hi - lo + 1);
        actions.schedule(() -> switchNow(s, generation), gap);
    }

    private void switchNow(Source s, int generation) {
        if (stopped || s.generation != generation || !sources.contains(s)) {
            return;
        }
        int layers = s.streamIds.length;
        if (layers < 2) {
            return; // nothing to switch to
        }
        // Any layer but the one the receiver has (a source whose first layer never came may go anywhere).
        int next = s.layer < 0 ? random.nextInt(layers) : (s.layer + 1 + random.nextInt(layers - 1)) % layers;
        subscribe(s, next, false);
    }
}
