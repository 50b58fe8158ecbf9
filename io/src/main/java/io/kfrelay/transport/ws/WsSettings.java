package io.kfrelay.transport.ws;

import io.kfrelay.transport.SinkLimits;

import java.time.Duration;
import java.util.Objects;

/**
 * What the WebSocket transport needs to know per connection (the server maps its config onto this).
 *
 * @param path          the WebSocket endpoint; a request for "/" is upgraded too
 * @param maxFrameBytes largest frame payload accepted; larger frames are refused with TOO_LARGE unread
 * @param sinkLimits    bounds of each connection's egress queue
 * @param joinTimeout   how long a connection may stay without a JOIN
 * @param closeTimeout  how long a closing connection may take to write out what is queued
 * @param framing       how egress messages are framed ({@link WsFramingKind})
 */
public record WsSettings(String path, int maxFrameBytes, SinkLimits sinkLimits, Duration joinTimeout,
                         Duration closeTimeout, WsFramingKind framing) {
    public WsSettings {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(sinkLimits, "sinkLimits");
        Objects.requireNonNull(joinTimeout, "joinTimeout");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        Objects.requireNonNull(framing, "framing");
    }

    /** With the default framing, {@link WsFramingKind#HEADERS}. */
    public WsSettings(String path, int maxFrameBytes, SinkLimits sinkLimits, Duration joinTimeout,
                      Duration closeTimeout) {
        this(path, maxFrameBytes, sinkLimits, joinTimeout, closeTimeout, WsFramingKind.HEADERS);
    }
}
