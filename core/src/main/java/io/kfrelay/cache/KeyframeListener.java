package io.kfrelay.cache;

import io.kfrelay.metrics.KeyframeReject;

/**
 * Told what a {@link StreamCache} did with each keyframe: at most once per keyframe, never per packet, on the
 * shard consumer. Implementations must not block and should allocate nothing unless someone listens (a
 * recording, a debug log).
 */
public interface KeyframeListener {
    KeyframeListener NONE = new KeyframeListener() {
        @Override
        public void promoted(int packets, long bytes, long assemblyNanos) {
        }

        @Override
        public void rejected(KeyframeReject reason) {
        }
    };

    /** A complete keyframe became the cached one; it took {@code assemblyNanos} from FRAME_START to FRAME_END. */
    void promoted(int packets, long bytes, long assemblyNanos);

    /** A keyframe being assembled was dropped. */
    void rejected(KeyframeReject reason);
}
