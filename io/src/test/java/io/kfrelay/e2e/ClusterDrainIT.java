package io.kfrelay.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.kfrelay.cluster.ClusterNode;
import io.kfrelay.cluster.RedisProcess;
import io.kfrelay.json.JsonSupport;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 15, drain): {@code POST /api/drain} on a cluster node marks it draining in the registry at once, hands
 * its rooms to a serving node (its claims released, its sessions sent REDIRECT DRAINING naming that node, then
 * closed), sends new JOINs there too, and stops once no session is left, within its deadline. The publisher JOINing
 * at the named node claims the room with a higher epoch. Two relays in one JVM sharing one Redis.
 */
@Timeout(60)
class ClusterDrainIT {
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration REFRESH = Duration.ofMillis(500);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void aDrainedNodeHandsItsRoomToAServingNodeAndStops() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
             TestRelay a = TestRelay.startClustered(redis.uri(), "node-a", LEASE, REFRESH);
             TestRelay b = TestRelay.startClustered(redis.uri(), "node-b", LEASE, REFRESH);
             WireClient publisher = WireClient.connect(a.url());
             WireClient watcher = WireClient.connect(a.url())) {
            ClusterNode nodeA = a.server().cluster();
            ClusterNode nodeB = b.server().cluster();
            assertInstanceOf(ControlMessage.Joined.class, publisher.join("R", "pub"));
            assertInstanceOf(ControlMessage.Joined.class, watcher.join("R", "watcher"));
            publisher.sendKeyframe();
            Eventually.within(Duration.ofSeconds(5), "media reaches the watcher", () -> watcher.mediaCount() > 0);
            long epochA = nodeA.epoch("R");
            assertTrue(nodeA.isOwner("R"));

            HttpResponse<String> drain = post(a, "/api/drain?deadline=20s");
            assertEquals(200, drain.statusCode(), drain.body());
            assertTrue(JsonSupport.MAPPER.readTree(drain.body()).get("draining").asBoolean(), drain.body());

            // Both sessions are sent to B, then closed.
            for (WireClient c : new WireClient[]{publisher, watcher}) {
                ControlMessage.Redirect moved = c.await(ControlMessage.Redirect.class, Duration.ofSeconds(5));
                assertEquals(ControlMessage.Redirect.DRAINING, moved.reason());
                assertEquals("node-b", moved.node());
                assertEquals(nodeB.advertised().ws(), moved.ws());
                assertEquals(nodeB.advertised().quic(), moved.quic());
                assertTrue(c.closedWithin(Duration.ofSeconds(5)), "A closes the session it handed over");
            }
            JsonNode nodes = JsonSupport.MAPPER.readTree(get(b, "/api/cluster/nodes"));
            assertEquals("draining", nodes.get("nodes").get(0).get("state").asText(), nodes.toString());
            assertFalse(nodeA.isOwner("R"), "A released R");

            // A new JOIN at A goes to B too.
            try (WireClient late = WireClient.connect(a.url())) {
                ControlMessage.Redirect toB = assertInstanceOf(ControlMessage.Redirect.class, late.join("R", "late"));
                assertEquals(ControlMessage.Redirect.DRAINING, toB.reason());
                assertEquals("node-b", toB.node());
            }
            // The publisher follows: at B it claims R, with a higher epoch.
            try (WireClient again = WireClient.connect(URI.create(nodeB.advertised().ws()))) {
                assertInstanceOf(ControlMessage.Joined.class, again.join("R", "pub"));
                assertTrue(nodeB.isOwner("R"));
                assertTrue(nodeB.epoch("R") > epochA, nodeB.epoch("R") + " after " + epochA);
                // Now that B owns R, a JOIN at the draining A goes to the owner, with its epoch.
                try (WireClient later = WireClient.connect(a.url())) {
                    ControlMessage.Redirect toOwner = assertInstanceOf(ControlMessage.Redirect.class,
                            later.join("R", "later"));
                    assertEquals(nodeB.epoch("R"), toOwner.epoch());
                }
                // No session is left at A: its drain is over long before the deadline.
                a.server().drained().get(10, TimeUnit.SECONDS);
                String metrics = a.server().telemetry().scrape(null).text();
                assertTrue(metrics.lines().anyMatch(l -> l.matches(
                                "kfrelay_cluster_sessions_moved_total\\{reason=\"draining\"} 2(\\.0)?")),
                        metrics.lines().filter(l -> l.startsWith("kfrelay_cluster")).toList().toString());
            }
        }
    }

    @Test
    void aDrainWithNoOtherServingNodeRefusesJoinsAndEndsAtItsDeadline() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
             TestRelay a = TestRelay.startClustered(redis.uri(), "node-a", LEASE, REFRESH);
             WireClient watcher = WireClient.connect(a.url())) {
            assertInstanceOf(ControlMessage.Joined.class, watcher.join("R", "watcher"));
            assertEquals(400, post(a, "/api/drain?deadline=soon").statusCode(), "a bad deadline is refused");
            assertEquals(200, post(a, "/api/drain?deadline=2s").statusCode());
            try (WireClient late = WireClient.connect(a.url())) {
                ControlMessage.Error refused = assertInstanceOf(ControlMessage.Error.class, late.join("S", "late"));
                assertEquals(ErrorCodes.RELAY_SHUTTING_DOWN, refused.code());
            }
            long started = System.nanoTime();
            a.server().drained().get(10, TimeUnit.SECONDS);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(tookMs >= 1000, "nowhere to send it: the watcher stays until the deadline (" + tookMs + " ms)");
            assertTrue(watcher.controls().stream().noneMatch(m -> m instanceof ControlMessage.Redirect),
                    watcher.controls().toString());
        }
    }

    private HttpResponse<String> post(TestRelay relay, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(admin(relay, path)).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String get(TestRelay relay, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin(relay, path)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r.body();
    }

    private static URI admin(TestRelay relay, String path) {
        return URI.create("http://127.0.0.1:" + relay.server().adminAddress().getPort() + path);
    }
}
