package io.kfrelay.cache;

import io.kfrelay.util.IndexedList;

/**
 * Decides, for one shard, which caches give way when the relay-wide {@link CacheBudget} has no room for a keyframe.
 * The order, in docs/ARCHITECTURE.md: first the asking stream's own previous keyframe or GOP (the one being
 * replaced), then the other caches of the shard that hold more memory than the asker would, largest first. When
 * none is larger, the asker goes without: the biggest picture loses, never a smaller one to make room for it.
 * GOP deltas never evict anything: a GOP that cannot grow stops growing.
 *
 * <p>Only this shard's caches are candidates (others belong to other consumer threads); the budget itself is
 * relay-wide. Consumer thread only. The scan is linear in the shard's streams, and runs only when memory is short.
 */
public final class CacheEvictor {
    private final IndexedList<StreamCache> caches = new IndexedList<>(new IndexedList.Index<>() {
        @Override
        public int get(StreamCache c) {
            return c.evictorIndex;
        }

        @Override
        public void set(StreamCache c, int index) {
            c.evictorIndex = index;
        }
    });

    void register(StreamCache cache) {
        caches.add(cache);
    }

    void unregister(StreamCache cache) {
        caches.remove(cache);
    }

    /**
     * Frees memory until a segment for a packet of {@code packetLength} bytes fits the budget, for {@code asker}'s
     * keyframe which will then hold {@code askerBytes}. False when nothing more may be evicted.
     */
    boolean makeRoom(StreamCache asker, SegmentAllocator allocator, int packetLength, long askerBytes) {
        long needed = Math.max(allocator.segmentBytes(), packetLength + CacheSegment.RECORD_HEADER);
        if (allocator.canProvide(packetLength)) {
            return true;
        }
        if (asker.dropPreviousForBudget() && allocator.canProvide(packetLength)) {
            return true;
        }
        while (!allocator.canProvide(packetLength)) {
            StreamCache victim = null;
            long largest = askerBytes + needed;
            for (StreamCache c : caches) {
                long freeable = c.freeableBytes();
                if (c != asker && freeable > largest) {
                    largest = freeable;
                    victim = c;
                }
            }
            if (victim == null) {
                return false;
            }
            victim.evict();
        }
        return true;
    }

    /** Caches registered (tests). */
    int size() {
        return caches.size();
    }
}
