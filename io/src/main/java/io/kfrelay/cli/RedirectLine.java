package io.kfrelay.cli;

import io.kfrelay.protocol.ControlMessage;

import java.net.URI;

/** The one line {@code publish} and {@code record} print when the client follows a REDIRECT. */
final class RedirectLine {
    private RedirectLine() {
    }

    /** "redirected to NODE (URL): REASON", e.g. {@code redirected to node-a (ws://10.0.0.5:8080/kfrelay): ROOM_ELSEWHERE}. */
    static String of(ControlMessage.Redirect redirect, URI target) {
        return "redirected to " + redirect.node() + " (" + target + "): "
                + ControlMessage.Redirect.reasonName(redirect.reason());
    }
}
