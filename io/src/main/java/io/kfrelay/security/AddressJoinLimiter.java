package io.kfrelay.security;

import java.util.concurrent.ConcurrentHashMap;

/**
 * JOIN attempts per second per source address (an {@link AddressKey}: IPv4 address or IPv6 /64): one
 * {@link TokenBucket} per address, holding one second's worth. The table is bounded: past {@link #MAX_TRACKED} addresses, buckets that have refilled (idle
 * addresses, which carry no information) are forgotten; if every one is busy, a new address goes unlimited
 * rather than pushing out one that is being throttled. Called once per JOIN, from any event loop.
 */
final class AddressJoinLimiter {
    static final int MAX_TRACKED = 16_384;

    private final int perSecond;
    private final ConcurrentHashMap<Long, TokenBucket> buckets = new ConcurrentHashMap<>();

    /** {@code perSecond} of 0 is unlimited. */
    AddressJoinLimiter(int perSecond) {
        this.perSecond = perSecond;
    }

    /** Whether one more JOIN from {@code address} (its {@link AddressKey}) is allowed now; null (no IP) is not limited. */
    boolean tryJoin(Long address, long nowNanos) {
        if (perSecond == 0 || address == null) {
            return true;
        }
        TokenBucket bucket = buckets.get(address);
        if (bucket == null) {
            if (buckets.size() >= MAX_TRACKED) {
                forgetIdle(nowNanos);
                if (buckets.size() >= MAX_TRACKED) {
                    return true;
                }
            }
            bucket = buckets.computeIfAbsent(address, a -> new TokenBucket(perSecond, perSecond, nowNanos));
        }
        synchronized (bucket) {
            return bucket.tryTake(1, nowNanos);
        }
    }

    private void forgetIdle(long nowNanos) {
        buckets.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().isFull(nowNanos);
            }
        });
    }

    int tracked() {
        return buckets.size();
    }
}
