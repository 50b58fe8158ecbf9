package io.kfrelay.transport.quic;

/** A user event: the relay is shutting down; a connection that has not joined says so and closes. */
enum QuicShutdown {
    INSTANCE
}
