package io.kfrelay.admin;

import io.kfrelay.client.ClientListener;
import io.kfrelay.config.RelayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: the admin port serves a live page at "/" (its files need no token: they hold no data) whose figures come from
 * /api/stats and /api/rooms, behind the admin token like every /api/ call; every answer carries the security headers.
 */
@Timeout(60)
class AdminPageIT {
    private static final String TOKEN = "s3cret-admin-token-for-tests";

    @Test
    void thePageAndItsFilesAreServedWithoutTheTokenAndWithTheSecurityHeaders() throws Exception {
        try (AdminRelay relay = AdminRelay.start(RelayConfig.defaults(), TOKEN)) {
            AdminHttp anonymous = relay.admin.withToken(null);
            Map<String, String> files = Map.of("/", "text/html; charset=utf-8",
                    "/admin.js", "text/javascript; charset=utf-8", "/admin.css", "text/css; charset=utf-8");
            for (Map.Entry<String, String> f : files.entrySet()) {
                HttpResponse<String> r = anonymous.get(f.getKey());
                assertEquals(200, r.statusCode(), f.getKey());
                assertEquals(f.getValue(), r.headers().firstValue("content-type").orElseThrow());
                String csp = r.headers().firstValue("content-security-policy").orElseThrow();
                assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'")
                        && csp.contains("connect-src 'self';"), csp);
                assertEquals("nosniff", r.headers().firstValue("x-content-type-options").orElseThrow());
                assertEquals("no-referrer", r.headers().firstValue("referrer-policy").orElseThrow());
            }
            String page = anonymous.get("/").body();
            assertTrue(page.contains("<script type=\"module\" src=\"/admin.js\"></script>"), "the script is a file");
            assertFalse(page.contains("style="), "no inline style: the policy would refuse it");
            assertEquals(bundled("index.html"), page);
            assertEquals(405, anonymous.post("/").statusCode());
            assertEquals(401, anonymous.get("/api/stats").statusCode(), "the page's data needs the token");
            assertEquals(401, anonymous.get("/api/rooms").statusCode());
            assertEquals(401, anonymous.get("/nothing-here").statusCode(), "and unknown paths say nothing either");
        }
    }

    @Test
    void statsCarryTheFiguresThePageCharts() throws Exception {
        try (AdminRelay relay = AdminRelay.start(RelayConfig.defaults(), TOKEN)) {
            relay.join("stage", "alice", new ClientListener() { });
            HttpResponse<String> r = relay.admin.get("/api/stats");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("nosniff", r.headers().firstValue("x-content-type-options").orElseThrow());
            Map<String, Object> stats = JsonReader.object(r.body());
            for (String field : List.of("timeMs", "rooms", "participants", "streams", "egressPackets", "egressBytes",
                    "ingressPackets", "drops", "dropsByReason", "cacheBytes", "cacheBudgetBytes", "replays",
                    "replaysActive", "cacheMode", "draining")) {
                assertNotNull(stats.get(field), field + " in " + r.body());
            }
            assertEquals(1L, ((Number) stats.get("rooms")).longValue());
            assertEquals(1L, ((Number) stats.get("participants")).longValue());
            assertEquals("keyframe", stats.get("cacheMode"));
            assertEquals(405, relay.admin.post("/api/stats").statusCode());
        }
    }

    private static String bundled(String name) throws IOException {
        try (InputStream in = AdminPageIT.class.getClassLoader().getResourceAsStream("admin-ui/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
