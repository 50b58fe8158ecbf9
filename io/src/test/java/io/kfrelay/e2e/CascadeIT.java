package io.kfrelay.e2e;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.cluster.RedisProcess;
import io.kfrelay.media.h264.AccessUnits;
import io.kfrelay.media.h264.SampleStream;
import io.kfrelay.protocol.ControlMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 15, cascade): three relays, each in a JVM of its own, share one Redis. A publisher's JOIN at A makes A
 * the room's origin. Receivers (JOIN option RECEIVE_ONLY) all connect to A: A serves as many as
 * {@code --cluster-max-receivers}, then sends the others by REDIRECT (LOAD) to edges, which relay the room from A over
 * QUIC: every receiver, at the origin or at an edge, gets every packet from its first keyframe on. A late joiner at an
 * edge gets its first picture replayed from the edge's own cache, and the publisher is asked for no keyframe. 100
 * joiners at the edges within a second cost the publisher at most a couple of keyframe requests a second. When the
 * origin is killed and the publisher comes back at an edge, that edge becomes the origin (a higher epoch) and the
 * other edge follows it: its receivers see a picture again within 10 s. Redis stopped for longer than the lease and
 * restarted empty: media never stops, at the origin or at the edge.
 */
@Timeout(180)
class CascadeIT {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String ROOM = "stage";
    private final List<KfRelayClient> clients = new ArrayList<>();

    /** The relays' logs, kept under target/ for a failure's diagnosis. */
    private Path logs;

    @org.junit.jupiter.api.BeforeEach
    void logDir(org.junit.jupiter.api.TestInfo test) throws java.io.IOException {
        logs = java.nio.file.Files.createDirectories(Path.of("target", "cascade-it", test.getTestMethod()
                .orElseThrow().getName()));
    }

    @AfterEach
    void closeClients() {
        clients.forEach(KfRelayClient::close);
    }

    private static List<String> node(RedisProcess redis, String id, int maxReceivers) {
        return List.of("--cluster", redis.uri(), "--node-id", id, "--cluster-lease", "3s", "--cluster-refresh", "500ms",
                "--cluster-max-receivers", Integer.toString(maxReceivers), "--cache-mode", "gop");
    }

    /** A receiver joined at {@code url} (following redirects), recording what it gets. */
    private KfRelayClient receiver(URI url, String identity, Received into) throws Exception {
        KfRelayClient c = KfRelayClient.connect(url, ClientOptions.defaults(), into).get(5, TimeUnit.SECONDS);
        clients.add(c);
        c.join(ROOM, identity, "", ControlMessage.Join.RECEIVE_ONLY).get(15, TimeUnit.SECONDS);
        return c;
    }

    @Test
    void receiversSpreadToEdgesGetEveryPacketAndALateJoinerAtAnEdgeReplaysFromItsCache() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
             RelayProcess a = RelayProcess.start(LOOPBACK, node(redis, "a", 3), logs.resolve("a"));
             RelayProcess b = RelayProcess.start(LOOPBACK, node(redis, "b", 3), logs.resolve("b"));
             RelayProcess c = RelayProcess.start(LOOPBACK, node(redis, "c", 3), logs.resolve("c"));
             SamplePublisher publisher = SamplePublisher.video(AccessUnits.of(SampleStream.bytes()),
                     a.url(Transport.WS), ClientOptions.defaults(), ROOM, "camera")) {
            Map<String, URI> byNode = Map.of(a.url(Transport.WS).getAuthority(), a.url(Transport.WS),
                    b.url(Transport.WS).getAuthority(), b.url(Transport.WS),
                    c.url(Transport.WS).getAuthority(), c.url(Transport.WS));
            Thread.sleep(500);

            // Seven receivers ask the origin: three stay, the others are sent to edges (at most three each).
            List<Received> received = new ArrayList<>();
            Map<String, Integer> servedAt = new HashMap<>();
            for (int i = 0; i < 7; i++) {
                Received r = new Received();
                KfRelayClient client = receiver(a.url(Transport.WS), "viewer-" + i, r);
                received.add(r);
                servedAt.merge(client.url().getAuthority(), 1, Integer::sum);
            }
            String at = "receivers per node " + servedAt + " (a=" + a.url(Transport.WS).getAuthority() + ")";
            assertEquals(3, servedAt.getOrDefault(a.url(Transport.WS).getAuthority(), 0), at);
            assertTrue(servedAt.size() >= 2 && servedAt.values().stream().allMatch(n -> n <= 3), at);

            Thread.sleep(3000); // three GOPs of the sample
            long requestsBefore = publisher.keyframeRequests(SamplePublisher.VIDEO);

            // A late joiner at an edge with room: its first picture comes from that edge's cache.
            String edge = servedAt.entrySet().stream()
                    .filter(e -> !e.getKey().equals(a.url(Transport.WS).getAuthority()) && e.getValue() < 3)
                    .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new AssertionError("no edge with room: " + at));
            Received late = new Received();
            KfRelayClient lateClient = receiver(byNode.get(edge), "late", late);
            assertEquals(edge, lateClient.url().getAuthority(), "served at the edge it asked");
            Eventually.within(Duration.ofSeconds(10), "the late joiner gets pictures",
                    () -> late.count(p -> p.keyframe() && p.frameStart()) >= 2);
            Received.Packet first = late.packets().getFirst();
            assertTrue(first.replay() && first.keyframe() && first.frameStart(),
                    "its first packet is the edge cache's keyframe, replayed: " + first);
            Thread.sleep(1000);
            assertEquals(requestsBefore, publisher.keyframeRequests(SamplePublisher.VIDEO),
                    "no keyframe request reached the publisher for the late joiner");

            // The operator's view: the room, its origin and its edges with their receivers.
            CliRun status = CliRun.of("cluster", "status", "--redis", redis.uri());
            assertEquals(0, status.status(), status.err());
            String roomLine = status.out().lines().filter(l -> l.trim().startsWith(ROOM + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError(status.out()));
            assertTrue(roomLine.contains(" a ") && roomLine.contains("yes"), "owner a, full: " + roomLine);
            servedAt.forEach((authority, n) -> {
                if (!authority.equals(a.url(Transport.WS).getAuthority())) {
                    assertTrue(roomLine.contains("(" + n + ")") || roomLine.contains("(" + (n + 1) + ")"),
                            "each edge with its receivers: " + roomLine + " " + servedAt);
                }
            });

            // Every receiver got every packet from its first keyframe on: no sequence number missing.
            for (int i = 0; i < received.size(); i++) {
                assertGapFree("viewer-" + i, received.get(i));
            }
            assertGapFree("late", late);
        }
    }

    /** Video packets from the first keyframe start on, consecutive sequence numbers, the last within a second. */
    private static void assertGapFree(String who, Received r) {
        List<Received.Packet> video = r.packets().stream().filter(p -> p.stream() == SamplePublisher.VIDEO).toList();
        int start = 0;
        while (start < video.size() && !(video.get(start).keyframe() && video.get(start).frameStart())) {
            start++;
        }
        assertTrue(video.size() - start > 30, who + " got " + (video.size() - start) + " video packets");
        for (int i = start + 1; i < video.size(); i++) {
            assertEquals(video.get(i - 1).seq() + 1, video.get(i).seq(), who + ": packet " + i + " follows "
                    + video.get(i - 1) + " with " + video.get(i));
        }
    }

    @Test
    void aHundredJoinersAtEdgesWithinASecondCostThePublisherAtMostAFewKeyframeRequests() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
             RelayProcess a = RelayProcess.start(LOOPBACK, node(redis, "a", 1), logs.resolve("a"));
             RelayProcess b = RelayProcess.start(LOOPBACK, node(redis, "b", 60), logs.resolve("b"));
             RelayProcess c = RelayProcess.start(LOOPBACK, node(redis, "c", 60), logs.resolve("c"));
             SamplePublisher publisher = SamplePublisher.video(AccessUnits.of(SampleStream.bytes()),
                     a.url(Transport.WS), ClientOptions.defaults(), ROOM, "camera")) {
            // The origin is full with one receiver: every other receiver is served at an edge.
            receiver(a.url(Transport.WS), "at-origin", new Received());
            Thread.sleep(500);
            long before = publisher.keyframeRequests(SamplePublisher.VIDEO);
            long start = System.nanoTime();
            List<Received> joiners = new ArrayList<>();
            List<java.util.concurrent.CompletableFuture<?>> joins = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                Received r = new Received();
                joiners.add(r);
                URI at = (i % 2 == 0 ? b : c).url(Transport.WS);
                joins.add(KfRelayClient.connect(at, ClientOptions.defaults(), r).thenCompose(client -> {
                    synchronized (clients) {
                        clients.add(client);
                    }
                    return client.join(ROOM, "viewer-" + r.hashCode(), "", ControlMessage.Join.RECEIVE_ONLY);
                }));
                Thread.sleep(9); // 100 within about a second
            }
            java.util.concurrent.CompletableFuture.allOf(joins.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(30, TimeUnit.SECONDS);
            Eventually.within(Duration.ofSeconds(15), "every joiner gets a picture", () -> joiners.stream()
                    .allMatch(r -> r.count(p -> p.keyframe() && p.frameStart()) >= 1));
            double seconds = Math.max(1, (System.nanoTime() - start) / 1e9);
            long requests = publisher.keyframeRequests(SamplePublisher.VIDEO) - before;
            assertTrue(requests <= 2 * seconds, requests + " keyframe requests reached the publisher in " + seconds
                    + " s for 100 joiners at edges");
        }
    }

    @Test
    void whenTheOriginIsKilledTheRoomMovesAndEdgesFollowWithinTenSeconds() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
             RelayProcess a = RelayProcess.start(LOOPBACK, node(redis, "a", 1), logs.resolve("a"));
             RelayProcess b = RelayProcess.start(LOOPBACK, node(redis, "b", 1), logs.resolve("b"));
             RelayProcess c = RelayProcess.start(LOOPBACK, node(redis, "c", 1), logs.resolve("c"))) {
            SamplePublisher first = SamplePublisher.video(AccessUnits.of(SampleStream.bytes()), a.url(Transport.WS),
                    ClientOptions.defaults(), ROOM, "camera");
            Received atA = new Received();
            Received atB = new Received();
            Received atC = new Received();
            receiver(a.url(Transport.WS), "at-a", atA);
            KfRelayClient edgeB = receiver(b.url(Transport.WS), "at-b", atB);
            KfRelayClient edgeC = receiver(c.url(Transport.WS), "at-c", atC);
            assertEquals(b.url(Transport.WS).getAuthority(), edgeB.url().getAuthority());
            assertEquals(c.url(Transport.WS).getAuthority(), edgeC.url().getAuthority());
            Eventually.within(Duration.ofSeconds(10), "the edge's receiver gets pictures",
                    () -> atC.count(p -> p.keyframe() && p.frameStart()) >= 1);

            long killed = System.nanoTime();
            a.kill();
            first.close();
            long seenAtC = atC.packetCount();
            // The publisher comes back at B (the Java client's failover would pick any node it knows).
            SamplePublisher again = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (again == null) {
                try {
                    again = SamplePublisher.video(AccessUnits.of(SampleStream.bytes()), b.url(Transport.WS),
                            ClientOptions.defaults(), ROOM, "camera");
                } catch (Exception refused) { // B cannot claim the room until A's claim has expired
                    if (System.nanoTime() > deadline) {
                        throw refused;
                    }
                    Thread.sleep(250);
                }
            }
            try (SamplePublisher republished = again) {
                Eventually.within(Duration.ofSeconds(10), "the receiver at edge C sees a picture again", () -> atC.packets().stream().skip(seenAtC)
                        .anyMatch(p -> p.keyframe() && p.frameStart()));
                double seconds = (System.nanoTime() - killed) / 1e9;
                assertTrue(seconds <= 10, "picture again " + seconds + " s after the kill");
                assertTrue(republished.client.url().getAuthority().equals(b.url(Transport.WS).getAuthority()),
                        "the publisher is at B, the new origin");
            }
        }
    }

    @Test
    void mediaNeverStopsAtTheOriginOrTheEdgeWhileRedisIsStoppedAndRestartedEmpty() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
             RelayProcess a = RelayProcess.start(LOOPBACK, node(redis, "a", 1), logs.resolve("a"));
             RelayProcess b = RelayProcess.start(LOOPBACK, node(redis, "b", 1), logs.resolve("b"));
             SamplePublisher publisher = SamplePublisher.video(AccessUnits.of(SampleStream.bytes()),
                     a.url(Transport.WS), ClientOptions.defaults(), ROOM, "camera")) {
            Received atA = new Received();
            Received atB = new Received();
            receiver(a.url(Transport.WS), "at-a", atA);
            KfRelayClient edgeClient = receiver(b.url(Transport.WS), "at-b", atB);
            assertEquals(b.url(Transport.WS).getAuthority(), edgeClient.url().getAuthority(), "B relays the room");
            Eventually.within(Duration.ofSeconds(10), "the edge's receiver gets pictures",
                    () -> atB.count(p -> p.keyframe() && p.frameStart()) >= 1);

            long from = System.nanoTime();
            redis.stop();
            Thread.sleep(4000); // past the 3 s lease: the origin's claim is gone with Redis
            redis.restart(); // empty: the origin claims its room again, at a higher epoch, and the edge stays
            Thread.sleep(3000);
            long to = System.nanoTime();

            for (Received r : List.of(atA, atB)) {
                List<Long> arrivals = r.packets().stream().filter(p -> p.stream() == SamplePublisher.VIDEO
                        && p.arrivalNanos() >= from && p.arrivalNanos() <= to).map(Received.Packet::arrivalNanos).toList();
                assertTrue(arrivals.size() > 100, arrivals.size() + " packets in the 7 s of the outage");
                long longestGap = 0;
                for (int i = 1; i < arrivals.size(); i++) {
                    longestGap = Math.max(longestGap, arrivals.get(i) - arrivals.get(i - 1));
                }
                assertTrue(longestGap < TimeUnit.MILLISECONDS.toNanos(1000),
                        "media stopped for " + longestGap / 1_000_000 + " ms");
            }
            assertTrue(atB.events.stream().noneMatch(e -> e.startsWith("ended")),
                    "the edge's stream never ended: " + atB.events);
            assertGapFree("at-b", atB);
        }
    }
}
