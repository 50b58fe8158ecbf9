package io.kfrelay.room;

import io.kfrelay.cache.StreamCache;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.util.IndexedList;

/** One stream a participant publishes: its subscribers, and for video its keyframe cache. */
final class PublishedStream {
    final Participant owner;
    final int streamId;
    final int kind;
    /** Null for audio: audio is forwarded, never cached. */
    final StreamCache cache;
    final SubscriberList subscribers = new SubscriberList();
    /** The simulcast source this stream is a layer of, and which layer; null and -1 for a plain stream. */
    final SimulcastSource source;
    final int layer;
    /** The last packet forwarded did not end its frame: a receiver leaving this layer waits for the frame's end. */
    boolean midFrame;
    /** Source subscriptions waiting to switch to this layer (until it has something to replay). */
    final IndexedList<SourceSubscription> switchingHere = new IndexedList<>(new IndexedList.Index<>() {
        @Override
        public int get(SourceSubscription s) {
            return s.indexInPending;
        }

        @Override
        public void set(SourceSubscription s, int index) {
            s.indexInPending = index;
        }
    });
    /** Position in {@link Room#streams}; -1 once ended. */
    int indexInRoom = -1;
    boolean keyframeRequested;
    long lastKeyframeRequestNanos;
    /** The current interval between keyframe requests (backs off under sustained demand, see KeyframeRequests). */
    long keyframeRequestIntervalNanos;
    /** Requests were throttled since the last one went out. */
    boolean keyframeRequestsThrottled;
    /** A throttled request waits to go out when the interval ends (no keyframe started since it was asked for). */
    boolean keyframeRequestOwed;

    PublishedStream(Participant owner, int streamId, int kind, StreamCache cache, SimulcastSource source, int layer) {
        this.owner = owner;
        this.streamId = streamId;
        this.kind = kind;
        this.cache = cache;
        this.source = source;
        this.layer = layer;
    }

    /** Still published (not ended). */
    boolean isLive() {
        return indexInRoom >= 0;
    }

    boolean isVideo() {
        return kind == Protocol.KIND_VIDEO;
    }
}
