package io.kfrelay.room;

import io.kfrelay.cache.KeyframeListener;
import io.kfrelay.jfr.JfrEvents;
import io.kfrelay.log.LifecycleLog;
import io.kfrelay.metrics.KeyframeReject;

/**
 * What one video stream's cache does with its keyframes, told to a Flight Recording and, at debug level, to the
 * log. Keyframes come every second or so per stream: at info level that would drown the joins and leaves, so
 * they are debug lines; with neither listening this costs two flag reads per keyframe and allocates nothing.
 */
final class StreamKeyframeEvents implements KeyframeListener {
    private static final LifecycleLog LOG = LifecycleLog.named("io.kfrelay.cache");

    private final String room;
    private final int senderId;
    private final int streamId;

    StreamKeyframeEvents(String room, int senderId, int streamId) {
        this.room = room;
        this.senderId = senderId;
        this.streamId = streamId;
    }

    @Override
    public void promoted(int packets, long bytes, long assemblyNanos) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("event=keyframe_cached room={} sender={} stream={} packets={} bytes={} assembly_us={}",
                    room, senderId, streamId, packets, bytes, assemblyNanos / 1000);
        }
        JfrEvents.keyframePromoted(room, senderId, streamId, packets, bytes, assemblyNanos);
    }

    @Override
    public void rejected(KeyframeReject reason) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("event=keyframe_rejected room={} sender={} stream={} reason={}",
                    room, senderId, streamId, reason.name().toLowerCase(java.util.Locale.ROOT));
        }
        JfrEvents.keyframeRejected(room, senderId, streamId, reason);
    }
}
