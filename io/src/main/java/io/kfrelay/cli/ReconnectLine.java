package io.kfrelay.cli;

import java.net.URI;
import java.time.Duration;

/** The lines {@code publish} and {@code record} print when their client loses its relay and when it is back. */
final class ReconnectLine {
    private ReconnectLine() {
    }

    /** "connection lost (CAUSE): reconnecting". */
    static String lost(Throwable cause) {
        String why = cause == null || cause.getMessage() == null ? String.valueOf(cause) : cause.getMessage();
        return "connection lost (" + why + "): reconnecting";
    }

    /** "reconnected to NODE (URL) after N ms", e.g. {@code reconnected to node-b (ws://10.0.0.6:8080/kfrelay) after 2314 ms}. */
    static String reconnected(String node, URI url, Duration after) {
        return "reconnected to " + node + " (" + url + ") after " + after.toMillis() + " ms";
    }
}
