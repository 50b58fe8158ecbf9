package io.kfrelay.e2e;

import io.kfrelay.config.CacheMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 15, failover): {@code kfrelay publish} and {@code kfrelay record} take several relay URLs, comma-separated
 * or repeated, all of one transport; the first that answers is used.
 */
@Timeout(60)
class SeveralUrlsIT {

    @Test
    void publishUsesTheFirstRelayThatAnswers() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort(); // closed again: connecting there is refused
        }
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME)) {
            Received sub = new Received();
            relay.join("cli", "sub", sub);
            CliRun run = CliRun.of("publish", "--url", "ws://127.0.0.1:" + deadPort + "/kfrelay," + relay.url(),
                    "--room", "cli", "--file", "src/test/resources/media/sample.h264", "--fps", "120");
            assertEquals(0, run.status(), run.err());
            assertTrue(run.out().contains("published 120 frames"), run.out());
            Eventually.within(Duration.ofSeconds(5), "the subscriber sees the clip",
                    () -> sub.count(Received.Packet::frameEnd) == 120);
            CliRun repeated = CliRun.of("publish", "--url", "ws://127.0.0.1:" + deadPort, "--url", relay.url().toString(),
                    "--room", "cli", "--file", "src/test/resources/media/sample.h264", "--fps", "120");
            assertEquals(0, repeated.status(), repeated.err());
        }
    }

    @Test
    void urlsOfBothTransportsAreRefused() {
        CliRun run = CliRun.of("record", "--url", "ws://127.0.0.1:1,quic://127.0.0.1:2", "--room", "r", "--out",
                "target/several-urls-never");
        assertEquals(1, run.status(), run.err());
        assertTrue(run.err().contains("must all be ws:// or wss://, or all quic://, not both"), run.err());
    }
}
