package io.kfrelay.room;

import io.kfrelay.cache.StreamCache;
import io.kfrelay.protocol.Protocol;

/** One stream a participant publishes: its subscribers, and for video its keyframe cache. */
final class PublishedStream {
    final Participant owner;
    final int streamId;
    final int kind;
    /** Null for audio: audio is forwarded, never cached. */
    final StreamCache cache;
    final SubscriberList subscribers = new SubscriberList();
    /** Position in {@link Room#streams}; -1 once ended. */
    int indexInRoom = -1;
    boolean keyframeRequested;
    long lastKeyframeRequestNanos;
    /** The current interval between keyframe requests (backs off under sustained demand, see KeyframeRequests). */
    long keyframeRequestIntervalNanos;
    /** Requests were throttled since the last one went out. */
    boolean keyframeRequestsThrottled;

    PublishedStream(Participant owner, int streamId, int kind, StreamCache cache) {
        this.owner = owner;
        this.streamId = streamId;
        this.kind = kind;
        this.cache = cache;
    }

    boolean isVideo() {
        return kind == Protocol.KIND_VIDEO;
    }
}
