package io.kfrelay.cli;

import io.kfrelay.protocol.ControlMessage;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RedirectLineTest {
    @Test
    void oneLineNamesNodeUrlAndReason() {
        ControlMessage.Redirect r = new ControlMessage.Redirect(ControlMessage.Redirect.ROOM_ELSEWHERE, 3, "node-a",
                "ws://10.0.0.5:8080/kfrelay", "", "");
        assertEquals("redirected to node-a (ws://10.0.0.5:8080/kfrelay): ROOM_ELSEWHERE",
                RedirectLine.of(r, URI.create(r.ws())));
        assertEquals("redirected to n (quic://n:4433): REASON_9",
                RedirectLine.of(new ControlMessage.Redirect(9, 1, "n", "", "quic://n:4433", ""),
                        URI.create("quic://n:4433")));
    }
}
