package io.kfrelay.transport.ws;

/** A user event: the relay is shutting down; a connection that has not joined says so and closes. */
enum RelayShutdown {
    INSTANCE
}
