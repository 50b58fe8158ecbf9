package io.kfrelay.telemetry;

import io.kfrelay.metrics.Histogram;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * How late the relay's I/O event loops run their tasks: each loop runs a tiny task every {@code period}; how much
 * later than planned it ran is the loop's lag (busy with I/O, blocked by a bug, starved of CPU). One histogram
 * over every loop; a lag of 1 ms is normal, seconds mean clients feel it.
 */
public final class EventLoopLagProbe implements MetricSource {
    public static final long DEFAULT_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Histogram lag = Histogram.latency();
    private final long periodNanos;
    private volatile boolean stopped;

    private EventLoopLagProbe(long periodNanos) {
        this.periodNanos = periodNanos;
    }

    /** Starts probing every loop of {@code loops}; it stops by itself when the loops shut down. */
    public static EventLoopLagProbe start(EventExecutorGroup loops, long periodNanos) {
        EventLoopLagProbe probe = new EventLoopLagProbe(periodNanos);
        for (EventExecutor loop : loops) {
            probe.schedule(loop);
        }
        return probe;
    }

    private void schedule(EventExecutor loop) {
        if (stopped || loop.isShuttingDown()) {
            return;
        }
        long due = System.nanoTime() + periodNanos;
        try {
            loop.schedule(() -> {
                lag.record(System.nanoTime() - due);
                schedule(loop);
            }, periodNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the loop is shutting down
        }
    }

    public void stop() {
        stopped = true;
    }

    public Histogram.Snapshot snapshot() {
        return lag.snapshot();
    }

    @Override
    public void collect(MetricWriter out) {
        out.histogram("kfrelay_event_loop_lag_seconds",
                "How much later than planned a probe task ran on an I/O event loop", lag.snapshot());
    }
}
