package io.kfrelay.room;

/**
 * One receiver's subscription to one published stream. It knows its place in both lists that hold it (the
 * stream's {@link SubscriberList} and the receiver's own list), so ending either side costs O(1) per
 * subscription instead of a search.
 */
final class Subscription {
    final PublishedStream stream;
    final Participant receiver;
    /** The receiver gets nothing of this stream until the next packet that starts a keyframe. */
    boolean awaitingKeyframe;
    int indexInStream = -1;
    int indexInReceiver = -1;

    Subscription(PublishedStream stream, Participant receiver, boolean awaitingKeyframe) {
        this.stream = stream;
        this.receiver = receiver;
        this.awaitingKeyframe = awaitingKeyframe;
    }
}
