package io.kfrelay.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReconnectLineTest {
    @Test
    void theLinesNameTheCauseAndWhereTheClientIsBack() {
        assertEquals("connection lost (relay ws://a:1/kfrelay closed the connection): reconnecting",
                ReconnectLine.lost(new IOException("relay ws://a:1/kfrelay closed the connection")));
        assertEquals("reconnected to node-b (ws://10.0.0.6:8080/kfrelay) after 2314 ms",
                ReconnectLine.reconnected("node-b", URI.create("ws://10.0.0.6:8080/kfrelay"), Duration.ofMillis(2314)));
    }
}
