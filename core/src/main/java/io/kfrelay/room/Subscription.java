package io.kfrelay.room;

/**
 * One receiver's delivery of one published stream, what fan-out iterates (a "leg"). For a plain stream it is the
 * receiver's subscription itself; for a simulcast source it is the one layer the {@link SourceSubscription} sends
 * now, and moves to another layer's stream on a switch. It knows its place in both lists that hold it (the stream's
 * {@link SubscriberList} and the receiver's own list), so ending either side costs O(1) instead of a search.
 */
final class Subscription {
    final PublishedStream stream;
    final Participant receiver;
    /** The source subscription this leg serves a layer of; null for a plain stream. */
    final SourceSubscription source;
    /** The receiver gets nothing of this stream until the next packet that starts a keyframe. */
    boolean awaitingKeyframe;
    /**
     * The receiver's replay was running when this leg was added: it gets nothing until that replay is done, then
     * its own replay from the cache ({@code awaitingKeyframe} is set too, so fan-out has one check).
     */
    boolean deferred;
    int indexInStream = -1;
    int indexInReceiver = -1;

    Subscription(PublishedStream stream, Participant receiver, boolean awaitingKeyframe, SourceSubscription source) {
        this.stream = stream;
        this.receiver = receiver;
        this.awaitingKeyframe = awaitingKeyframe;
        this.source = source;
    }

    /** The key of a (publisher, stream) pair in a receiver's subscription maps. */
    static long key(long publisherId, int streamId) {
        return publisherId << 16 | streamId;
    }
}
