package io.kfrelay.transport;

/** Where a {@link ChannelSink} asks for a keyframe after dropping video (normally the connection's session). */
@FunctionalInterface
public interface KeyframeRequester {
    void requestKeyframe(long senderId, int streamId);
}
