package io.kfrelay.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.kfrelay.client.ClientListener;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.client.RelayErrorException;
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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 15, slice 1): two relays in one JVM sharing one Redis. The node where a room's first participant joins
 * owns the room; a JOIN for it at the other node gets a REDIRECT to the owner that the Java client follows (slice 2),
 * and the other node's
 * lookup answers the owner; once the owner's room empties and the claim is released, the other node can own the
 * room with a higher epoch. With Redis stopped, the owner's room keeps its media flowing, health says degraded, and a
 * new room is refused CLUSTER_UNAVAILABLE; Redis restarted empty, the owner claims its room again with a higher epoch.
 */
@Timeout(90)
class ClusterIT {
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration REFRESH = Duration.ofMillis(500);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void aRoomHasOneOriginAndItsMediaDoesNotDependOnRedis() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
             TestRelay a = TestRelay.startClustered(redis.uri(), "node-a", LEASE, REFRESH);
             TestRelay b = TestRelay.startClustered(redis.uri(), "node-b", LEASE, REFRESH)) {
            ClusterNode nodeA = a.server().cluster();
            ClusterNode nodeB = b.server().cluster();

            // The publisher's JOIN at A claims the room for A.
            Received watcher = new Received();
            SamplePublisher publisher = SamplePublisher.videoOnly(a, "R", "pub");
            KfRelayClient watcherClient = a.join("R", "watcher", watcher);
            assertTrue(nodeA.isOwner("R"));
            long epoch = nodeA.epoch("R");
            assertTrue(epoch >= 1);
            Eventually.within(WAIT, "media reaches the watcher at A", () -> watcher.packetCount() > 10);

            // A subscriber at B is redirected to A (slice 2) and joins there, after one redirect.
            List<ControlMessage.Redirect> heard = new CopyOnWriteArrayList<>();
            KfRelayClient viewer = KfRelayClient.connect(b.url(), new ClientListener() {
                @Override
                public void onRedirect(ControlMessage.Redirect redirect, URI target) {
                    heard.add(redirect);
                }
            }).get(5, TimeUnit.SECONDS);
            ControlMessage.Joined joinedAtA = viewer.join("R", "viewer", "").get(10, TimeUnit.SECONDS);
            assertEquals(1, heard.size(), heard.toString());
            assertEquals(ControlMessage.Redirect.ROOM_ELSEWHERE, heard.getFirst().reason());
            assertEquals("node-a", heard.getFirst().node());
            assertEquals(epoch, heard.getFirst().epoch());
            assertEquals(URI.create(nodeA.advertised().ws()), viewer.url(), "the client is now connected to A");
            assertEquals(List.of("node-a (" + nodeA.advertised().ws() + ")"), viewer.redirects());
            assertTrue(joinedAtA.participants().stream().anyMatch(p -> p.identity().equals("pub")), joinedAtA.toString());
            assertTrue(a.room("R").participants().stream().anyMatch(p -> p.identity().equals("viewer")),
                    "A's room info lists the redirected viewer");
            assertFalse(nodeB.isOwner("R"));
            viewer.close();
            viewer.closeFuture().get(5, TimeUnit.SECONDS);

            // Over QUIC the client follows to A's QUIC URL, trusting the pin the REDIRECT carries.
            KfRelayClient quicViewer = KfRelayClient.connect(b.url(Transport.QUIC), b.options(Transport.QUIC),
                    new ClientListener() { }).get(5, TimeUnit.SECONDS);
            quicViewer.join("R", "quic-viewer", "").get(10, TimeUnit.SECONDS);
            assertEquals(URI.create(nodeA.advertised().quic()), quicViewer.url());
            assertTrue(a.room("R").participants().stream().anyMatch(p -> p.identity().equals("quic-viewer")),
                    "A's room info lists the QUIC viewer");
            quicViewer.close();
            quicViewer.closeFuture().get(5, TimeUnit.SECONDS);

            // B's lookup answers A; B's node list has both.
            JsonNode lookup = adminGet(b, "/api/cluster/lookup?room=R");
            assertEquals("node-a", lookup.get("node").asText());
            assertFalse(lookup.get("here").asBoolean());
            assertEquals(epoch, lookup.get("epoch").asLong());
            assertEquals(nodeA.advertised().ws(), lookup.get("ws").asText());
            assertEquals(nodeA.advertised().quic(), lookup.get("quic").asText());
            JsonNode nodes = adminGet(b, "/api/cluster/nodes");
            assertEquals(2, nodes.get("nodeCount").asInt(), nodes.toString());
            JsonNode free = adminGet(b, "/api/cluster/lookup?room=nobody-here");
            assertTrue(free.get("here").asBoolean());
            assertFalse(free.get("owned").asBoolean());
            assertEquals("node-b", free.get("node").asText());

            // The CLI reads the same from Redis.
            CliRun status = CliRun.of("cluster", "status", "--redis", redis.uri());
            assertEquals(0, status.status(), status.err());
            assertTrue(status.out().contains("nodes (2)") && status.out().contains("node-a")
                    && status.out().contains("node-b") && status.out().contains(nodeA.advertised().ws()), status.out());
            assertTrue(status.out().contains("rooms (1)") && status.out().matches("(?s).*\\bR\\s+node-a\\s+" + epoch
                    + "\\b.*"), status.out());

            // Redis stops: A's room keeps flowing past the lease (A stops acting as owner, its sessions stay).
            redis.stop();
            Eventually.within(WAIT, "A says degraded", () -> nodeA.degraded() != null);
            long before = watcher.packetCount();
            Thread.sleep(LEASE.toMillis() + 500);
            assertFalse(nodeA.isOwner("R"), "fenced: the lease passed without a renewal");
            long after = watcher.packetCount();
            assertTrue(after > before + 30, "media kept flowing without Redis: " + before + " -> " + after + "; "
                    + a.counters());
            String health = adminText(a, "/healthz");
            assertTrue(health.startsWith("degraded: "), health);
            KfRelayClient newcomer = KfRelayClient.connect(a.url(), new ClientListener() { }).get(5, TimeUnit.SECONDS);
            ExecutionException unavailable = assertThrows(ExecutionException.class,
                    () -> newcomer.join("new-room", "n", "").get(5, TimeUnit.SECONDS));
            assertEquals(ErrorCodes.CLUSTER_UNAVAILABLE,
                    assertInstanceOf(RelayErrorException.class, unavailable.getCause()).code());

            // Redis comes back empty: A claims its room again, above the epoch it had.
            redis.restart();
            Eventually.within(WAIT, "A owns R again", () -> nodeA.isOwner("R"));
            long reclaimed = nodeA.epoch("R");
            assertTrue(reclaimed > epoch, "epochs never go back: " + reclaimed + " after " + epoch);
            Eventually.within(WAIT, "A healthy again", () -> nodeA.degraded() == null);
            assertEquals("ok\n", adminText(a, "/healthz"));

            // The room empties at A: A releases it, and B can own it with a higher epoch.
            publisher.close();
            watcherClient.close();
            Eventually.within(WAIT, "A released R", () -> !nodeA.isOwner("R")
                    && nodeA.store().owner("R").join() == null);
            b.join("R", "viewer", new Received());
            assertTrue(nodeB.isOwner("R"));
            assertTrue(nodeB.epoch("R") > reclaimed, nodeB.epoch("R") + " after " + reclaimed);
            assertEquals("node-b", adminGet(a, "/api/cluster/lookup?room=R").get("node").asText());
        }
    }

    private JsonNode adminGet(TestRelay relay, String path) throws Exception {
        return JsonSupport.MAPPER.readTree(adminText(relay, path));
    }

    private String adminText(TestRelay relay, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + relay.server().adminAddress().getPort() + path);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r.body();
    }
}
