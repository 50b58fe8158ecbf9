package io.kfrelay.security;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Connections per source address (an {@link AddressKey}: IPv4 address or IPv6 /64) that have not joined yet
 * (half-open, or still upgrading). An address only has an entry while it has such a connection, so the table is
 * bounded by the open connections. A null address (no IP) is not limited.
 */
final class PendingConnections {
    private final int maxPerAddress;
    private final ConcurrentHashMap<Long, Integer> pending = new ConcurrentHashMap<>();

    /** {@code maxPerAddress} of 0 is unlimited. */
    PendingConnections(int maxPerAddress) {
        this.maxPerAddress = maxPerAddress;
    }

    /** Counts a new connection; false (and nothing counted) when its address already has the maximum. */
    boolean tryOpen(Long address) {
        if (maxPerAddress == 0 || address == null) {
            return true;
        }
        boolean[] admitted = {false};
        pending.compute(address, (a, n) -> {
            int count = n == null ? 0 : n;
            if (count >= maxPerAddress) {
                return n;
            }
            admitted[0] = true;
            return count + 1;
        });
        return admitted[0];
    }

    /** A connection counted by {@link #tryOpen} joined or closed. */
    void done(Long address) {
        if (maxPerAddress == 0 || address == null) {
            return;
        }
        pending.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    int pending(Long address) {
        return pending.getOrDefault(address, 0);
    }
}
