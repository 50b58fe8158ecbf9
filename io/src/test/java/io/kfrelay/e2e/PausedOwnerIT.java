package io.kfrelay.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.kfrelay.cluster.RedisProcess;
import io.kfrelay.json.JsonSupport;
import io.kfrelay.protocol.ControlMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 15, failure): a paused owner ({@code kill -STOP}) that resumes after its claim expired stops serving as
 * owner, and never do two nodes act as owners of one room epoch. Two relays in JVMs of their own and a real Redis,
 * with 3 s claims renewed every 500 ms: A owns room R with a publisher and a watcher; A is paused; once its claim has
 * expired a publisher JOINs R at B, which claims it with a higher epoch; A resumes. Then a JOIN at A is redirected
 * to B, and A's own two sessions get REDIRECT ROOM_ELSEWHERE to B (with B's epoch) and are closed, within seconds.
 * Meanwhile both nodes' lookups are polled: the epochs each reports as its own never meet. At the end A is drained:
 * with nothing left to hand over it exits by itself, status 0.
 */
@Timeout(120)
class PausedOwnerIT {
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration REFRESH = Duration.ofMillis(500);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    @TempDir
    Path logs;

    @Test
    void aPausedOwnerThatResumesAfterItsClaimExpiredHandsItsSessionsToTheNewOwner() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (RedisProcess redis = RedisProcess.start();
             RelayProcess a = RelayProcess.startClustered(loopback, redis.uri(), "node-a", LEASE, REFRESH, logs);
             RelayProcess b = RelayProcess.startClustered(loopback, redis.uri(), "node-b", LEASE, REFRESH, logs)) {
            // Who reports itself the owner of R with which epoch, polled all along (a paused node answers nothing).
            Map<String, Set<Long>> ownEpochs = new ConcurrentHashMap<>(Map.of(
                    "node-a", new ConcurrentSkipListSet<>(), "node-b", new ConcurrentSkipListSet<>()));
            AtomicBoolean polling = new AtomicBoolean(true);
            Thread poller = Thread.ofPlatform().daemon().name("owner-poller").start(() -> {
                while (polling.get()) {
                    record(a, "node-a", ownEpochs);
                    record(b, "node-b", ownEpochs);
                    sleep(100);
                }
            });
            try (WireClient publisher = WireClient.connect(a.url(Transport.WS));
                 WireClient watcher = WireClient.connect(a.url(Transport.WS))) {
                assertInstanceOf(ControlMessage.Joined.class, publisher.join("R", "pub"));
                assertInstanceOf(ControlMessage.Joined.class, watcher.join("R", "watcher"));
                publisher.sendKeyframe();
                Eventually.within(Duration.ofSeconds(5), "media reaches A's watcher", () -> watcher.mediaCount() > 0);
                long epochA = lookup(a).get("epoch").asLong();
                assertTrue(lookup(a).get("here").asBoolean(), "A owns R");
                Eventually.within(Duration.ofSeconds(5), "the poller sees A own R",
                        () -> !ownEpochs.get("node-a").isEmpty());

                a.pause();
                try {
                    // Once A's claim has expired (3 s after its last renewal), a publisher at B makes B the owner.
                    Thread.sleep(LEASE.toMillis());
                    ControlMessage.Joined atB = joinWhenFree(b);
                    assertTrue(atB.participants().isEmpty(), "B's room is new: " + atB);
                } finally {
                    a.resume();
                }
                long resumed = System.nanoTime();
                JsonNode owner = lookup(b);
                assertEquals("node-b", owner.get("node").asText());
                long epochB = owner.get("epoch").asLong();
                assertTrue(epochB > epochA, "B claims with a higher epoch: " + epochB + " after " + epochA);

                // A, resumed, hands its sessions to B ...
                for (WireClient c : new WireClient[]{publisher, watcher}) {
                    ControlMessage.Redirect moved = c.await(ControlMessage.Redirect.class, Duration.ofSeconds(5));
                    assertEquals(ControlMessage.Redirect.ROOM_ELSEWHERE, moved.reason());
                    assertEquals("node-b", moved.node());
                    assertEquals(epochB, moved.epoch());
                    assertEquals(b.url(Transport.WS).toString(), moved.ws());
                    assertTrue(c.closedWithin(Duration.ofSeconds(5)), "A closes the moved session");
                }
                System.out.printf("PausedOwnerIT: A's sessions were moved to B %d ms after A resumed%n",
                        Duration.ofNanos(System.nanoTime() - resumed).toMillis());
                // ... and admits no JOIN to R as its owner.
                try (WireClient late = WireClient.connect(a.url(Transport.WS))) {
                    ControlMessage.Redirect toB = assertInstanceOf(ControlMessage.Redirect.class,
                            late.join("R", "late"));
                    assertEquals("node-b", toB.node());
                    assertEquals(epochB, toB.epoch());
                }
                String metrics = get(a, "/metrics");
                assertTrue(metrics.lines().anyMatch(l -> l.matches(
                                "kfrelay_cluster_sessions_moved_total\\{reason=\"room_lost\"} 2(\\.0)?")),
                        metrics.lines().filter(l -> l.startsWith("kfrelay_cluster")).toList().toString());
            } finally {
                polling.set(false);
                poller.join(5_000);
            }
            Set<Long> both = new TreeSet<>(ownEpochs.get("node-a"));
            both.retainAll(ownEpochs.get("node-b"));
            assertTrue(both.isEmpty(), "two owners for one epoch: " + ownEpochs);
            assertTrue(!ownEpochs.get("node-a").isEmpty() && !ownEpochs.get("node-b").isEmpty(),
                    "each node was seen owning R: " + ownEpochs);

            // A drained with nothing left to hand over exits by itself, status 0, its record removed.
            HttpResponse<String> drain = http.send(HttpRequest.newBuilder(a.admin().resolve("/api/drain?deadline=10s"))
                    .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, drain.statusCode(), drain.body());
            assertEquals(0, a.awaitExit(Duration.ofSeconds(20)), a.transcript());
            assertTrue(a.transcript().contains("event=drained"), a.transcript());
            Eventually.within(Duration.ofSeconds(5), "A left the registry", () -> nodeCount(b) == 1);
        }
    }

    /** JOINs R at {@code relay} as a publisher, again while it still redirects to A (A's claim not yet expired). */
    private static ControlMessage.Joined joinWhenFree(RelayProcess relay) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            WireClient c = WireClient.connect(relay.url(Transport.WS));
            ControlMessage answer = c.join("R", "pub-b");
            if (answer instanceof ControlMessage.Joined j) {
                return j; // stays joined: the test's end closes the relays
            }
            c.close();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("B kept answering " + answer);
            }
            Thread.sleep(250);
        }
    }

    private void record(RelayProcess relay, String node, Map<String, Set<Long>> ownEpochs) {
        try {
            JsonNode l = lookup(relay);
            if (l.get("here").asBoolean() && l.get("owned").asBoolean() && l.get("node").asText().equals(node)) {
                ownEpochs.get(node).add(l.get("epoch").asLong());
            }
        } catch (Exception paused) {
            // a paused node answers nothing: it reports no owner either
        }
    }

    private int nodeCount(RelayProcess relay) {
        try {
            return JsonSupport.MAPPER.readTree(get(relay, "/api/cluster/nodes")).get("nodeCount").asInt();
        } catch (Exception e) {
            return -1;
        }
    }

    private JsonNode lookup(RelayProcess relay) throws Exception {
        return JsonSupport.MAPPER.readTree(get(relay, "/api/cluster/lookup?room=R"));
    }

    private String get(RelayProcess relay, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(relay.admin().resolve(path))
                .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError(path + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
