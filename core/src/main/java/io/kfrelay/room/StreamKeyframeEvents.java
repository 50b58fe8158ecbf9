package io.kfrelay.room;

import io.kfrelay.cache.KeyframeListener;
import io.kfrelay.jfr.JfrEvents;
import io.kfrelay.log.LifecycleLog;
import io.kfrelay.metrics.CacheMiss;
import io.kfrelay.metrics.GopClose;
import io.kfrelay.metrics.KeyframeReject;

import java.util.EnumSet;
import java.util.Locale;

/**
 * What one video stream's cache does with its keyframes, told to a Flight Recording and to the log. Keyframes come
 * every second or so per stream: at info level that would drown the joins and leaves, so they are debug lines. A
 * picture that does not fit is different: the operator must hear of it, once per stream and reason (size, limit,
 * the option that raises it), then at debug level. With nobody listening this costs a flag read per keyframe.
 */
final class StreamKeyframeEvents implements KeyframeListener {
    private static final LifecycleLog LOG = LifecycleLog.named("io.kfrelay.cache");

    private final String room;
    private final int senderId;
    private final int streamId;
    private final EnumSet<CacheMiss> told = EnumSet.noneOf(CacheMiss.class);

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
                    room, senderId, streamId, name(reason));
        }
        JfrEvents.keyframeRejected(room, senderId, streamId, reason);
    }

    @Override
    public void gopClosed(GopClose reason) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("event=gop_closed room={} sender={} stream={} reason={}", room, senderId, streamId, name(reason));
        }
    }

    @Override
    public void missed(CacheMiss reason, long bytes, long limit) {
        String unit = reason == CacheMiss.GOP_TOO_OLD ? "age_ms" : "bytes";
        long shown = reason == CacheMiss.GOP_TOO_OLD ? bytes / 1_000_000 : bytes;
        long limitShown = reason == CacheMiss.GOP_TOO_OLD ? limit / 1_000_000 : limit;
        if (told.add(reason)) {
            LOG.info("event=not_cached room={} sender={} stream={} reason={} {}={} limit={} raise={} (told once per stream)",
                    room, senderId, streamId, name(reason), unit, shown, limitShown, reason.option());
        } else if (LOG.isDebugEnabled()) {
            LOG.debug("event=not_cached room={} sender={} stream={} reason={} {}={} limit={}",
                    room, senderId, streamId, name(reason), unit, shown, limitShown);
        }
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
