package io.kfrelay.client;

import io.kfrelay.protocol.LayerCause;

import java.util.List;

/**
 * What a {@link KfRelayClient} tells its user. Every method has an empty default: implement what you need.
 *
 * <p>Threading: all callbacks of one client run on that client's I/O thread, one at a time, in the order the
 * relay sent the messages. They must not block (a slow callback stalls this client's receiving, and with it
 * the TCP window the relay sees). Calling the client's sending methods from a callback is fine.
 *
 * <p>A callback that throws does not break the connection: the exception is passed to {@link #onError}.
 */
public interface ClientListener {

    /** A media packet; its payload is borrowed for the duration of the call (see {@link MediaPacket}). */
    default void onMedia(MediaPacket packet) {
    }

    /** Someone joined the room (not sent for participants already listed in the JOINED answer). */
    default void onParticipantJoined(long participantId, String identity) {
    }

    default void onParticipantLeft(long participantId) {
    }

    /** A participant started publishing (streams that already existed are listed in the JOINED answer). */
    default void onStreamStarted(long participantId, int streamId, int kind) {
    }

    default void onStreamEnded(long participantId, int streamId) {
    }

    /**
     * A participant publishes a simulcast source: {@code streamIds} are its layers, lowest quality first, and the
     * first names the source. Also sent to the publisher itself, as the relay's acknowledgement of its declaration.
     */
    default void onSimulcast(long publisherId, List<Integer> streamIds) {
    }

    /**
     * From the next packet of source {@code sourceId} on, this client gets layer {@code layer} (stream
     * {@code streamId}) of it, for {@code cause}.
     */
    default void onLayer(long publisherId, int sourceId, int streamId, int layer, LayerCause cause) {
    }

    /** The relay did not apply a {@link KfRelayClient#subscribe} ({@code code}: ErrorCodes 130..139). */
    default void onSubscribeRefused(long publisherId, int streamId, int code, String reason) {
    }

    /** The relay wants a keyframe of one of <em>this</em> client's streams (a subscriber joined or lost one). */
    default void onKeyframeRequest(int streamId) {
    }

    /**
     * The relay sent the join elsewhere (REDIRECT, before JOINED): the client is connecting to {@code target} to JOIN
     * there. {@code redirect} says which node and why ({@link io.kfrelay.protocol.ControlMessage.Redirect#reasonName}).
     */
    default void onRedirect(io.kfrelay.protocol.ControlMessage.Redirect redirect, java.net.URI target) {
    }

    /**
     * The joined session's connection ended without this client asking (lost, relay shutting down, a REDIRECT after
     * JOINED): the client is reconnecting ({@link ReconnectOptions}). Until {@link #onReconnected}, frames published
     * are refused and nothing is received; participant ids of the session are void.
     */
    default void onReconnecting(Throwable cause) {
    }

    /**
     * The session is back, {@code after} the loss, at node {@code node} ({@code url}), where this client's participant
     * id and everyone else's are new: {@code joined} lists the room as it is there (its publishers may still be on
     * their way back). The client has declared its simulcast sources and, with manual subscription, subscribed again
     * to the publishers it had subscribed to (matched by identity and stream id, as they arrive). Followed by an
     * {@link #onKeyframeRequest} for each video stream this client publishes: the new relay has nothing cached of it.
     */
    default void onReconnected(io.kfrelay.protocol.ControlMessage.Joined joined, String node, java.net.URI url,
                               java.time.Duration after) {
    }

    /**
     * Something went wrong that is not the answer to a pending call: an ERROR from the relay after the join
     * ({@link RelayErrorException}), a malformed message, a transport failure, a listener exception, or a
     * reconnection that gave up (an {@link java.io.IOException} saying why, followed by {@link #onClose}).
     */
    default void onError(Throwable error) {
    }

    /** The connection is closed (by either side); no callback follows. */
    default void onClose() {
    }
}
