package io.kfrelay.perf.load;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * Drives the synthetic streams of the publishers on one client event loop, on that loop's own thread: the
 * publishers' writes are then plain in-loop writes (no task hand-off per packet), and their keyframe requests
 * arrive on the same thread. A timer task runs at the earliest due frame, sends every frame that is due, and
 * schedules itself again. It stops for good at {@link #stop()} or at its hard deadline, whichever comes first.
 */
final class PublishScheduler implements Runnable {
    private final EventLoop loop;
    private final long stopAtNanos;
    private final PriorityQueue<SyntheticStream> due =
            new PriorityQueue<>(Comparator.comparingLong((SyntheticStream s) -> s.nextDueNanos));
    private ScheduledFuture<?> timer;
    private long timerAtNanos = Long.MAX_VALUE;
    private volatile boolean stopped;

    PublishScheduler(EventLoop loop, long stopAtNanos) {
        this.loop = loop;
        this.stopAtNanos = stopAtNanos;
    }

    /** Starts sending {@code stream}'s frames from now on. Any thread. */
    void add(SyntheticStream stream) {
        loop.execute(() -> {
            stream.start(System.nanoTime());
            due.add(stream);
            arm();
        });
    }

    /** Runs {@code action} on this scheduler's thread (e.g. to retarget a stream). */
    void onLoop(Runnable action) {
        loop.execute(action);
    }

    /** No frame is sent after this returns... or at the latest once the loop runs the next tick. */
    void stop() {
        stopped = true;
        loop.execute(() -> {
            if (timer != null) {
                timer.cancel(false);
            }
            due.clear();
        });
    }

    @Override
    public void run() {
        timer = null;
        timerAtNanos = Long.MAX_VALUE;
        if (stopped || System.nanoTime() - stopAtNanos >= 0) {
            due.clear();
            return;
        }
        SyntheticStream s;
        while ((s = due.peek()) != null && System.nanoTime() - s.nextDueNanos >= 0) {
            due.poll();
            s.publishDue();
            if (!s.isDead()) {
                due.add(s);
            }
        }
        arm();
    }

    private void arm() {
        SyntheticStream next = due.peek();
        if (next == null || stopped) {
            return;
        }
        if (timer != null && timerAtNanos - next.nextDueNanos <= 0) {
            return; // already set to fire in time
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerAtNanos = next.nextDueNanos;
        timer = loop.schedule(this, Math.max(0, next.nextDueNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
}
