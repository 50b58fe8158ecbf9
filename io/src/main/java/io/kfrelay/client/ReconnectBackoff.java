package io.kfrelay.client;

import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * The delays of one reconnection: {@link ReconnectOptions#initialBackoff()} doubling up to
 * {@link ReconnectOptions#maxBackoff()}, each shortened by {@code random * half} of itself, until the next attempt
 * would start later than {@link ReconnectOptions#giveUpAfter()} after the loss. Not thread-safe (its
 * {@link Reconnector} serializes the calls).
 */
final class ReconnectBackoff {
    /** No further attempt: the time is up. */
    static final long GIVE_UP = -1;

    private final long initialNanos;
    private final long maxNanos;
    private final long giveUpNanos;
    private final LongSupplier clock;
    private final DoubleSupplier random;
    private long startedAt;
    private long base;
    private int attempts;

    /** @param clock nanoseconds (tests: fake); @param random values in [0, 1) (tests: fixed) */
    ReconnectBackoff(ReconnectOptions options, LongSupplier clock, DoubleSupplier random) {
        this.initialNanos = options.initialBackoff().toNanos();
        this.maxNanos = options.maxBackoff().toNanos();
        this.giveUpNanos = options.giveUpAfter().toNanos();
        this.clock = clock;
        this.random = random;
        restart();
    }

    /** The connection was lost now: the schedule starts again from the initial delay. */
    void restart() {
        startedAt = clock.getAsLong();
        base = initialNanos;
        attempts = 0;
    }

    /** The delay before the next attempt, in nanoseconds, or {@link #GIVE_UP}. */
    long nextDelayNanos() {
        long delay = base - (long) (base / 2 * Math.min(1.0, Math.max(0.0, random.getAsDouble())));
        if (clock.getAsLong() - startedAt + delay > giveUpNanos) {
            return GIVE_UP;
        }
        base = Math.min(maxNanos, base * 2);
        attempts++;
        return delay;
    }

    /** Attempts scheduled since the loss. */
    int attempts() {
        return attempts;
    }

    /** Nanoseconds since the loss. */
    long elapsedNanos() {
        return clock.getAsLong() - startedAt;
    }
}
