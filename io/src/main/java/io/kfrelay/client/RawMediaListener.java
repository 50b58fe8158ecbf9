package io.kfrelay.client;

import io.kfrelay.protocol.MediaHeader;

/**
 * A {@link ClientListener} that takes media as the client's header flyweight instead of a {@link MediaPacket}:
 * no object is created per packet. Meant for load generators and other receivers whose per-packet cost is the
 * thing being measured; everybody else should use {@link ClientListener#onMedia}.
 *
 * <p>When a client's listener implements this interface, {@link #onRawMedia} is called for every valid media
 * packet <em>instead of</em> {@link ClientListener#onMedia}. Same thread and ordering rules as every callback.
 */
public interface RawMediaListener extends ClientListener {

    /**
     * One media packet. {@code header} is already validated and is valid only for the duration of the call (the
     * client reuses it); the payload is {@code header.payloadLength()} bytes of {@code header.buffer()} from
     * {@code header.payloadOffset()}, borrowed like {@link MediaPacket#payload()}: read it, never release it.
     */
    void onRawMedia(MediaHeader header);
}
