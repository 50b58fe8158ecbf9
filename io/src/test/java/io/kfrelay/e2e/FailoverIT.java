package io.kfrelay.e2e;

import io.kfrelay.cli.Recorder;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.cluster.ClusterNode;
import io.kfrelay.cluster.RedisProcess;
import io.kfrelay.cluster.RoomOwner;
import io.kfrelay.media.h264.AccessUnits;
import io.kfrelay.media.h264.SampleStream;
import io.kfrelay.protocol.ControlMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 15, failover): a client learns the cluster's nodes when it joins (NODES) or is given several relay URLs;
 * when its node dies ({@code kill -9} of a relay in its own process) it reconnects with backoff to another node, which
 * claims the room once the dead owner's lease has lapsed (a higher epoch), and media flows again from the publisher's
 * new session to the watcher's. The bounds are functional and generous (a loaded 2-core machine): reconnected within
 * 20 s (lease 3 s, registry TTL 1.5 s), media again within 15 s more.
 */
@Timeout(120)
class FailoverIT {
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration REFRESH = Duration.ofMillis(500);

    /** A watcher that also records the reconnection callbacks. */
    static final class Watcher extends Received {
        final List<Throwable> reconnecting = new CopyOnWriteArrayList<>();
        final List<String> reconnected = new CopyOnWriteArrayList<>();
        volatile long reconnectedAt;

        @Override
        public void onReconnecting(Throwable cause) {
            reconnecting.add(cause);
        }

        @Override
        public void onReconnected(ControlMessage.Joined joined, String node, URI url, Duration after) {
            reconnectedAt = System.nanoTime();
            reconnected.add(node);
        }
    }

    @Test
    void clientsOfAKilledNodeReconnectToAnotherWhichClaimsTheRoomAndMediaFlowsAgain(@TempDir Path logs)
            throws Exception {
        try (RedisProcess redis = RedisProcess.start();
             TestRelay b = TestRelay.startClustered(redis.uri(), "node-b", LEASE, REFRESH);
             RelayProcess a = RelayProcess.start(InetAddress.getLoopbackAddress(), List.of("--cluster", redis.uri(),
                     "--node-id", "node-a", "--cluster-lease", "3s", "--cluster-refresh", "500ms"), logs)) {
            ClusterNode nodeB = b.server().cluster();
            URI urlA = a.url(Transport.WS);

            // The publisher knows both relays and joins the first, A: A owns the room.
            SamplePublisher publisher = SamplePublisher.video(AccessUnits.of(SampleStream.bytes()), "pub", l -> {
                KfRelayClient c = KfRelayClient.connect(List.of(urlA, b.url()), ClientOptions.defaults(), l)
                        .get(5, TimeUnit.SECONDS);
                c.join("R", "pub", "").get(10, TimeUnit.SECONDS);
                return c;
            });
            // The watcher is given A only: it learns B from the NODES that follows its JOINED.
            Watcher watcher = new Watcher();
            KfRelayClient watcherClient = KfRelayClient.connect(urlA, watcher).get(5, TimeUnit.SECONDS);
            watcherClient.join("R", "watcher", "").get(10, TimeUnit.SECONDS);
            Eventually.within(Duration.ofSeconds(10), "media reaches the watcher at A", () -> watcher.packetCount() > 10);
            Eventually.within(Duration.ofSeconds(5), () -> "NODES names both nodes: " + watcherClient.knownRelays(),
                    () -> watcherClient.knownRelays().stream().anyMatch(r -> r.startsWith("node-b ("))
                            && watcherClient.knownRelays().stream().anyMatch(r -> r.startsWith("node-a (")));
            assertTrue(watcherClient.reconnects(), "NODES arrived: reconnecting is on");
            // kfrelay record's recorder, given A only too.
            java.io.StringWriter recorderLog = new java.io.StringWriter();
            Recorder recorder = Recorder.start(List.of(urlA), "R", "rec", "", logs.resolve("rec"),
                    ClientOptions.defaults(), Recorder.Selection.everything(), new java.io.PrintWriter(recorderLog, true));
            Eventually.within(Duration.ofSeconds(10), "the recorder writes frames", () -> recorder.framesWritten() > 10);
            RoomOwner before = nodeB.store().owner("R").get(5, TimeUnit.SECONDS);
            assertEquals("node-a", before.node());

            a.kill();
            long killedAt = System.nanoTime();
            long framesBefore = recorder.framesWritten();

            Eventually.within(Duration.ofSeconds(20), () -> "both clients reconnect to B; watcher " + watcher.reconnected
                            + " after " + watcher.reconnecting + ", publisher reconnecting=" + publisher.client.isReconnecting()
                            + " at " + publisher.client.url(),
                    () -> !watcher.reconnected.isEmpty() && !publisher.client.isReconnecting()
                            && publisher.client.url().getPort() == b.url().getPort()); // B's URL given or NODES
            assertEquals(List.of("node-b"), watcher.reconnected);
            assertEquals(1, watcher.reconnecting.size(), watcher.reconnecting.toString());
            assertFalse(watcherClient.isClosed());
            assertTrue(nodeB.isOwner("R"), "B claimed the room");
            assertTrue(nodeB.epoch("R") > before.epoch(), "a higher epoch: " + nodeB.epoch("R") + " after " + before.epoch());

            assertFalse(publisher.client.isClosed());
            // Ids are per relay (both nodes may well give the same number): count what arrived after the reconnection.
            long newPublisherId = publisher.client.participantId();
            long since = watcher.reconnectedAt;
            Eventually.within(Duration.ofSeconds(15), () -> "media from the publisher's new session reaches the watcher"
                            + " at B: " + watcher.count(p -> p.sender() == newPublisherId && p.arrivalNanos() > since)
                            + " packets; " + b.counters(),
                    () -> watcher.count(p -> p.sender() == newPublisherId && p.arrivalNanos() > since) > 30);
            System.out.printf("failover: kill -9 to 30 packets at the watcher again: %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));

            // The recorder came back too and goes on writing the publisher's one file (matched by identity + stream).
            Eventually.within(Duration.ofSeconds(15), () -> "the recorder writes again: " + recorder.framesWritten()
                    + " frames, " + framesBefore + " at the kill; " + recorderLog, () -> recorder.framesWritten() > framesBefore + 30);
            Recorder.Summary summary = recorder.stop();
            assertEquals(1, summary.files().size(), "one file for the publisher across the reconnection: " + summary);
            Recorder.StreamFile file = summary.files().values().iterator().next();
            assertTrue(file.frames() > framesBefore + 30, summary.toString());
            assertTrue(file.keyframes() >= 2, "the file goes on at a keyframe after the reconnection: " + summary);
            assertTrue(recorderLog.toString().matches("(?s).*\\breconnected to node-b \\(ws://\\S+\\) after \\d+ ms\\n.*"),
                    recorderLog.toString());
            publisher.close();
            watcherClient.close();
        }
    }

    @Test
    void aQuicSimulcastPublisherComesBackThroughThePinNodesGaveAndDeclaresItsSourceAgain(@TempDir Path logs)
            throws Exception {
        List<List<io.kfrelay.media.h264.AccessUnit>> layers = TestVideo.SIMULCAST.stream().limit(2)
                .map(TestVideo::accessUnits).toList();
        try (RedisProcess redis = RedisProcess.start();
             TestRelay b = TestRelay.startClustered(redis.uri(), "node-b", LEASE, REFRESH);
             RelayProcess a = RelayProcess.start(InetAddress.getLoopbackAddress(), List.of("--cluster", redis.uri(),
                     "--node-id", "node-a", "--cluster-lease", "3s", "--cluster-refresh", "500ms"), logs)) {
            // Both clients trust A's certificate only: B's pin comes with NODES. A killed node sends nothing more over
            // UDP: the client notices by its idle timeout, 2 s here (30 s by default).
            ClientOptions pinA = ClientOptions.builder().quic(io.kfrelay.client.QuicClientOptions.defaults()
                    .withPin(io.kfrelay.client.CertificatePin.parse(a.pin()))
                    .withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500))).build();
            URI quicA = a.url(Transport.QUIC);
            URI quicB = b.url(Transport.QUIC);
            SamplePublisher camera = SamplePublisher.simulcast(layers, "camera", l -> {
                KfRelayClient c = KfRelayClient.connect(List.of(quicA), pinA, l).get(5, TimeUnit.SECONDS);
                c.join("R", "camera", "").get(10, TimeUnit.SECONDS);
                return c;
            });
            Watcher watcher = new Watcher();
            KfRelayClient watcherClient = KfRelayClient.connect(List.of(quicA), pinA, watcher).get(5, TimeUnit.SECONDS);
            watcherClient.join("R", "watcher", "").get(10, TimeUnit.SECONDS);
            Eventually.within(Duration.ofSeconds(10), "media reaches the watcher at A", () -> watcher.packetCount() > 10);
            Eventually.within(Duration.ofSeconds(5), () -> "NODES names B: " + camera.client.knownRelays(),
                    () -> camera.client.knownRelays().contains("node-b (" + quicB + ")"));

            a.kill();

            Eventually.within(Duration.ofSeconds(20), () -> "both reconnect to B over QUIC: watcher " + watcher.reconnected
                            + ", camera at " + camera.client.url() + " reconnecting=" + camera.client.isReconnecting(),
                    () -> !watcher.reconnected.isEmpty() && !camera.client.isReconnecting()
                            && camera.client.url().equals(quicB));
            assertEquals(quicB, watcherClient.url());
            long cameraId = camera.client.participantId();
            long since = watcher.reconnectedAt;
            Eventually.within(Duration.ofSeconds(15), () -> "B announces the source again and media flows: "
                            + watcher.events + "; " + b.counters(),
                    () -> watcher.events.contains("simulcast " + cameraId + " [1, 2]")
                            && watcher.count(p -> p.sender() == cameraId && p.arrivalNanos() > since) > 30);
            assertEquals(2, b.startedLayers("R"), "both layers started at B as one source");
            camera.close();
            watcherClient.close();
        }
    }
}
