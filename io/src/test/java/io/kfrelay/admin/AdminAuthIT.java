package io.kfrelay.admin;

import io.kfrelay.config.RelayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Spec: with an admin token configured, every /api/ call needs {@code Authorization: Bearer TOKEN}; without it (or
 * with another) the call is refused with 401 and changes nothing. Probes and /metrics stay open for load
 * balancers and Prometheus.
 */
@Timeout(60)
class AdminAuthIT {
    private static final String TOKEN = "s3cret-admin-token-for-tests";

    @Test
    void adminCallsWithoutTheTokenAreRefusedAndChangeNothing() throws Exception {
        try (AdminRelay relay = AdminRelay.start(RelayConfig.defaults(), TOKEN)) {
            AdminHttp anonymous = relay.admin.withToken(null);
            AdminHttp impostor = relay.admin.withToken("not-the-admin-token-at-all");

            for (AdminHttp stranger : new AdminHttp[]{anonymous, impostor}) {
                HttpResponse<String> rooms = stranger.get("/api/rooms");
                assertEquals(401, rooms.statusCode());
                assertEquals("Bearer realm=\"kfrelay-admin\"", rooms.headers().firstValue("www-authenticate").orElse(""));
                assertEquals(401, stranger.post("/api/drain").statusCode());
                assertEquals(401, stranger.post("/api/rooms/stage/participants/1/kick").statusCode());
            }
            assertFalse(relay.server.core().isDraining(), "a refused drain did not drain");

            assertEquals(200, relay.admin.get("/api/rooms").statusCode(), "the token opens the API");
            for (String open : new String[]{"/healthz", "/readyz", "/metrics"}) {
                assertEquals(200, anonymous.get(open).statusCode(), open + " needs no token");
            }
        }
    }
}
