package io.kfrelay.transport;

import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.ByteBuf;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The stall watch of one connection's egress ({@link ChannelSink}): a receiver that drops media and does not drain
 * to the low-water mark for {@link SinkLimits#stallTimeout()} is told why (ERROR TOO_SLOW, if that still fits its
 * queue; queued media goes, and the close timeout bounds how long the ERROR may wait) and disconnected.
 *
 * <p>The stall clock starts at the first drop (any media caller) and stops when a drain ends at the low-water mark
 * (the event loop); whatever drops come after that start a new stall. A closed-loop sender (a replay) never makes the
 * sink drop, so it has a clock of its own: it starts when the sender has to wait for the backlog to fall and stops
 * when it is woken; a receiver that lets a replay wait for the whole timeout is as stalled as one that drops. At most one check is scheduled at a time; a
 * check that finds the clock restarted since it was scheduled waits for the rest. Times are the event loop's own
 * clock: what its timers run on, and what tests move. A zero timeout turns the watch off.
 */
final class StallWatch {
    private final EgressQueue queue;
    private final EgressPort port;
    private final SinkLimits limits;
    private final TransportMetrics metrics;
    private final long timeoutNanos;
    /** Event-loop clock time of the first drop since the queue was last drained to the low-water mark; 0 = none. */
    private final AtomicLong stalledSince = new AtomicLong();
    /** Event-loop clock time since which a closed-loop sender has been waiting for the backlog; 0 = none. */
    private final AtomicLong waitingSince = new AtomicLong();
    private final AtomicBoolean checkScheduled = new AtomicBoolean();
    private final Runnable checkTask = this::check;

    StallWatch(EgressQueue queue, EgressPort port, SinkLimits limits, TransportMetrics metrics) {
        this.queue = queue;
        this.port = port;
        this.limits = limits;
        this.metrics = metrics;
        this.timeoutNanos = limits.stallTimeout().toNanos();
    }

    /** A media drop: starts the stall clock unless it runs already, and makes sure a check will look at it. */
    void onDrop() {
        if (timeoutNanos == 0) {
            return;
        }
        if (stalledSince.get() == 0) {
            stalledSince.compareAndSet(0, nonZeroNanoTime());
        }
        // Written after stalledSince, read before it in check: a clock started is always looked at.
        if (!checkScheduled.get() && checkScheduled.compareAndSet(false, true)) {
            scheduleCheck(timeoutNanos);
        }
    }

    /** A closed-loop sender starts waiting for this receiver's backlog to fall. */
    void onSenderWaiting() {
        if (timeoutNanos == 0) {
            return;
        }
        waitingSince.compareAndSet(0, nonZeroNanoTime());
        if (!checkScheduled.get() && checkScheduled.compareAndSet(false, true)) {
            scheduleCheck(timeoutNanos);
        }
    }

    /** The waiting sender was woken: the receiver made progress. */
    void onSenderWoken() {
        waitingSince.set(0);
    }

    /** A drain ended (event loop): down at the low-water mark, the stall is over. */
    void onDrained() {
        if (stalledSince.get() != 0 && queue.budget().isAtLowWater(limits)) {
            stalledSince.set(0);
        }
    }

    /** The earlier of two clock readings, 0 meaning none. */
    private static long earliest(long a, long b) {
        return a == 0 ? b : b == 0 ? a : Math.min(a, b);
    }

    /** The event loop's clock, never 0 (0 means "no stall"). */
    private long nonZeroNanoTime() {
        long now = port.eventLoop().ticker().nanoTime();
        return now == 0 ? 1 : now;
    }

    private void scheduleCheck(long delayNanos) {
        try {
            port.eventLoop().schedule(checkTask, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down and closes the channel itself.
        }
    }

    /** The scheduled check (event loop): a receiver stalled for the whole timeout is disconnected. */
    private void check() {
        checkScheduled.set(false);
        long since = earliest(stalledSince.get(), waitingSince.get());
        if (since == 0 || !queue.isOpen()) {
            return;
        }
        long left = since + timeoutNanos - nonZeroNanoTime();
        if (left > 0) {
            if (checkScheduled.compareAndSet(false, true)) {
                scheduleCheck(left); // the clock restarted since this check was scheduled
            }
            return;
        }
        metrics.increment(Counter.SLOW_RECEIVERS_DISCONNECTED);
        ByteBuf error = ControlCodec.encode(new ControlMessage.Error(ErrorCodes.TOO_SLOW, "receiving too slowly: "
                + "no progress for " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"), port.alloc());
        if (queue.tryEnqueueControl(error)) {
            queue.close(); // queued media is dropped; the ERROR goes out if the receiver reads again
            return;
        }
        error.release(); // no room even for the ERROR: just cut
        queue.cut();
    }
}
