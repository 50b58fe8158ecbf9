package io.kfrelay.admin;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.client.RelayErrorException;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Spec: draining a relay for maintenance makes /readyz fail and refuses every new JOIN (RELAY_SHUTTING_DOWN),
 * while the rooms that run go on: their media still flows and /healthz still says the process is alive.
 */
@Timeout(60)
class DrainIT {

    @Test
    void aDrainingRelayRefusesNewJoinsWhileRunningRoomsContinue() throws Exception {
        try (AdminRelay relay = AdminRelay.start(RelayConfig.defaults())) {
            KfRelayClient alice = relay.join("stage", "alice", new MediaCount());
            MediaCount bob = new MediaCount();
            relay.join("stage", "bob", bob);
            assertEquals(200, relay.admin.get("/readyz").statusCode(), "ready before the drain");
            assertEquals(Map.of("draining", false), JsonReader.object(relay.admin.get("/api/drain").body()));

            assertEquals(Map.of("draining", true), JsonReader.object(relay.admin.post("/api/drain").body()));

            assertEquals(503, relay.admin.get("/readyz").statusCode(), "not ready while draining");
            assertEquals(200, relay.admin.get("/healthz").statusCode(), "alive while draining");
            KfRelayClient latecomer = relay.connect(new MediaCount());
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> latecomer.join("stage", "carol", "").get(5, TimeUnit.SECONDS));
            RelayErrorException error = assertInstanceOf(RelayErrorException.class, refused.getCause());
            assertEquals(ErrorCodes.RELAY_SHUTTING_DOWN, error.code());
            KfRelayClient elsewhere = relay.connect(new MediaCount());
            assertThrows(ExecutionException.class, () -> elsewhere.join("new-room", "dave", "").get(5, TimeUnit.SECONDS),
                    "no new rooms either");

            alice.publishFrame(1, Protocol.KIND_VIDEO, true, new byte[2000], 0);
            Eventually.within(Duration.ofSeconds(5), () -> "bob still receives alice: " + bob.packets,
                    () -> bob.packets.get() == 2);
            Scrape scrape = relay.scrape();
            assertEquals(1, scrape.value("kfrelay_draining"));
            assertEquals(2, scrape.value("kfrelay_participants"), "the running room keeps its participants");
            assertEquals(2, scrape.value("kfrelay_joins_rejected_total"));
            assertEquals(1, scrape.value("kfrelay_rooms"), "the refused JOIN opened no room");
        }
    }
}
