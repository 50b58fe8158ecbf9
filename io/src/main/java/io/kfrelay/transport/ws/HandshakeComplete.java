package io.kfrelay.transport.ws;

/** A user event: the WebSocket upgrade is done; frames may flow. */
enum HandshakeComplete {
    INSTANCE
}
