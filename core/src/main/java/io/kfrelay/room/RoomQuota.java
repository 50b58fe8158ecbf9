package io.kfrelay.room;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The number of rooms open on the whole relay, against its limit. Shared by every shard (rooms live on
 * different consumer threads), so it is one atomic counter; it is touched only when a room opens or closes.
 */
public final class RoomQuota {
    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    public RoomQuota(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max rooms must be at least 1, was " + max);
        }
        this.max = max;
    }

    /** Takes one room from the quota; false (and nothing taken) when every room is in use. */
    public boolean tryOpen() {
        int n;
        do {
            n = open.get();
            if (n >= max) {
                return false;
            }
        } while (!open.compareAndSet(n, n + 1));
        return true;
    }

    /** Gives back a room taken with {@link #tryOpen()}. */
    public void closed() {
        open.decrementAndGet();
    }

    public int open() {
        return open.get();
    }

    public int max() {
        return max;
    }
}
