package io.kfrelay.cache;

import io.kfrelay.metrics.CacheMiss;
import io.kfrelay.metrics.GopClose;
import io.kfrelay.metrics.KeyframeReject;

/**
 * Told what a {@link StreamCache} did with each keyframe and GOP: at most once per keyframe, GOP or eviction, never
 * per packet, on the shard consumer. Implementations must not block and should allocate nothing unless someone
 * listens (a recording, the log).
 */
public interface KeyframeListener {
    KeyframeListener NONE = new KeyframeListener() {
    };

    /** A complete keyframe became the cached one; it took {@code assemblyNanos} from FRAME_START to FRAME_END. */
    default void promoted(int packets, long bytes, long assemblyNanos) {
    }

    /** A keyframe being assembled was dropped. */
    default void rejected(KeyframeReject reason) {
    }

    /** The cached GOP stopped growing before the next keyframe. */
    default void gopClosed(GopClose reason) {
    }

    /**
     * A picture, or part of one, did not fit: {@code bytes} is its size (for a keyframe over the cap, its whole
     * size once its last packet was seen), {@code limit} the limit it met (bytes; nanoseconds for the GOP age).
     */
    default void missed(CacheMiss reason, long bytes, long limit) {
    }
}
