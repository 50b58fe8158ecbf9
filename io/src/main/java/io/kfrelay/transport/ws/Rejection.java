package io.kfrelay.transport.ws;

/**
 * A user event: the frame layer refused a frame (already counted) and the session handler should answer with
 * ERROR({@code code}, {@code reason}) and close, exactly as for a malformed message.
 */
record Rejection(int code, String reason) {
}
