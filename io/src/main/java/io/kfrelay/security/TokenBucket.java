package io.kfrelay.security;

/**
 * A token bucket: {@code rate} tokens per second, holding at most {@code capacity}; starts full. Plain fields,
 * no allocation, not thread-safe (one owner, e.g. a connection's event loop, or under the owner's lock).
 */
public final class TokenBucket {
    private static final double NANOS_PER_SECOND = 1e9;

    private final double ratePerNano;
    private final double capacity;
    private double tokens;
    private long lastNanos;

    public TokenBucket(double ratePerSecond, double capacity, long nowNanos) {
        if (!(ratePerSecond > 0) || !(capacity > 0)) {
            throw new IllegalArgumentException("rate and capacity must be positive");
        }
        this.ratePerNano = ratePerSecond / NANOS_PER_SECOND;
        this.capacity = capacity;
        this.tokens = capacity;
        this.lastNanos = nowNanos;
    }

    /** Takes {@code amount} tokens if there are that many; otherwise takes none. */
    public boolean tryTake(double amount, long nowNanos) {
        refill(nowNanos);
        if (tokens < amount) {
            return false;
        }
        tokens -= amount;
        return true;
    }

    /** Whether {@code amount} tokens are there now (takes nothing). */
    public boolean has(double amount, long nowNanos) {
        refill(nowNanos);
        return tokens >= amount;
    }

    /** Whether the bucket has refilled completely (an idle owner: its state carries no information). */
    public boolean isFull(long nowNanos) {
        refill(nowNanos);
        return tokens >= capacity;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * ratePerNano);
            lastNanos = nowNanos;
        }
    }
}
