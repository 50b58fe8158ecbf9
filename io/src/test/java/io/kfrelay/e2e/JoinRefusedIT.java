package io.kfrelay.e2e;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.client.RelayErrorException;
import io.kfrelay.protocol.ErrorCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec: when the relay refuses a JOIN, the caller learns the ERROR's code and reason, and so does the user of record. */
@Timeout(30)
class JoinRefusedIT {
    @TempDir
    Path out;

    @Test
    void aRefusedJoinFailsWithTheRelaysCodeAndReason() throws Exception {
        try (RefusingRelay relay = new RefusingRelay(ErrorCodes.ROOM_INVALID, "room 'vip' is invite-only")) {
            KfRelayClient client = KfRelayClient.connect(relay.url(), new ClientListener() { }).get(5, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> client.join("vip", "eve", "").get(5, TimeUnit.SECONDS));
            RelayErrorException refused = assertInstanceOf(RelayErrorException.class, e.getCause());
            assertEquals(ErrorCodes.ROOM_INVALID, refused.code());
            assertEquals("room 'vip' is invite-only", refused.reason());
            assertEquals("relay refused the join: error 101 ROOM_INVALID: room 'vip' is invite-only", refused.getMessage());
            client.closeFuture().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void recordExitsNonZeroAndPrintsTheErrorWhenRefused() throws Exception {
        try (RefusingRelay relay = new RefusingRelay(ErrorCodes.JOIN_REJECTED, "bad token")) {
            CliRun run = CliRun.of("record", "--url", relay.url().toString(), "--room", "r", "--out", out.toString(),
                    "--duration", "1s");
            assertEquals(1, run.status());
            assertTrue(run.err().contains("error 100 JOIN_REJECTED: bad token"), run.err());
        }
    }
}
