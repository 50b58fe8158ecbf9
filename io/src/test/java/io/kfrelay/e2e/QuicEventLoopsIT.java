package io.kfrelay.e2e;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.server.QuicConfig;
import io.kfrelay.server.RelayServer;
import io.kfrelay.server.ServerConfig;
import io.kfrelay.transport.TransportKind;
import io.kfrelay.transport.quic.QuicListener;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Spec: with epoll, {@code quic-event-loops N} binds N UDP sockets to one port (SO_REUSEPORT); the kernel spreads
 * peers over them, each connection works wholly on its own socket, and the listener's connection count, shutdown
 * and close span every socket. With NIO there is one socket, whatever N says.
 */
@Timeout(60)
class QuicEventLoopsIT {
    /** With 2 sockets, the chance that all of these land on one is 2^-20. */
    private static final int SUBSCRIBERS = 21;

    @Test
    void peersAreSpreadOverTheSocketsAndEveryOneReceivesTheRoom() throws Exception {
        assumeTrue(Epoll.isAvailable(), "SO_REUSEPORT sockets need epoll");
        QuicConfig quic = QuicConfig.builder().listen("127.0.0.1", 0).eventLoops(2).build();
        try (TestRelay relay = TestRelay.start(RelayConfig.builder().cacheMode(CacheMode.KEYFRAME).build(), quic)) {
            QuicListener listener = relay.server().quic();
            assertEquals(2, listener.socketCount());
            assertTrue(listener.usesEpoll());
            List<Received> subs = new ArrayList<>();
            List<KfRelayClient> clients = new ArrayList<>();
            for (int i = 0; i < SUBSCRIBERS; i++) {
                Received r = new Received();
                subs.add(r);
                clients.add(relay.join("spread", "sub-" + i, r, Transport.QUIC));
            }
            KfRelayClient pub = relay.join("spread", "pub", new Received(), Transport.QUIC);
            int[] perSocket = listener.connectionsPerSocket();
            assertEquals(SUBSCRIBERS + 1, Arrays.stream(perSocket).sum(), Arrays.toString(perSocket));
            assertTrue(Arrays.stream(perSocket).allMatch(n -> n > 0), "both sockets serve peers: " + Arrays.toString(perSocket));
            assertEquals(SUBSCRIBERS + 1, listener.connectionCount());

            int packets = pub.publishFrame(1, Protocol.KIND_VIDEO, true, new byte[3000], 0);
            Eventually.within(Duration.ofSeconds(10), () -> "every subscriber gets " + packets + " packets; "
                    + relay.counters(), () -> subs.stream().allMatch(r -> r.packetCount() == packets));

            clients.forEach(KfRelayClient::close);
            pub.close();
            assertTrue(listener.awaitConnectionsClosed(TimeUnit.SECONDS.toNanos(10)),
                    "every connection on every socket closes; open: " + listener.connectionCount());
            assertEquals(0, listener.connectionCount());
        }
    }

    @Test
    void nioHasOneSocketWhateverTheConfigSays() throws Exception {
        ServerConfig net = ServerConfig.builder().wsListen("127.0.0.1", 0).eventLoopThreads(1)
                .transport(TransportKind.NIO).build();
        RelayServer server = new RelayServer(net, RelayConfig.builder().build())
                .withQuic(QuicConfig.builder().listen("127.0.0.1", 0).eventLoops(3).build()).start();
        try {
            QuicListener listener = server.quic();
            assertFalse(listener.usesEpoll());
            assertEquals(1, listener.socketCount());
            URI url = URI.create("quic://127.0.0.1:" + listener.address().getPort());
            ClientOptions options = ClientOptions.defaults().toBuilder()
                    .quic(ClientOptions.defaults().quic().withPin(listener.fingerprint())).build();
            try (KfRelayClient c = KfRelayClient.connect(url, options, new Received()).get(5, TimeUnit.SECONDS)) {
                c.join("nio", "solo", "").get(5, TimeUnit.SECONDS);
                assertEquals(1, listener.connectionCount());
            }
        } finally {
            server.close();
        }
    }
}
