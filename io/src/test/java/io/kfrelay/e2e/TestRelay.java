package io.kfrelay.e2e;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.server.QuicConfig;
import io.kfrelay.server.RelayServer;
import io.kfrelay.server.SecurityConfig;
import io.kfrelay.room.RoomInfo;
import io.kfrelay.server.ServerConfig;
import io.kfrelay.transport.TransportMetrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real relay on 127.0.0.1 (or another address of this host) with ephemeral ports, a WebSocket and a QUIC listener
 * (self-signed; QUIC clients pin its fingerprint), and the clients a test connects to it (closed with it).
 */
final class TestRelay implements AutoCloseable {
    private static final String LOOPBACK = "127.0.0.1";

    private final RelayServer server;
    private final String host;
    private final List<KfRelayClient> clients = new ArrayList<>();

    private TestRelay(RelayServer server, String host) {
        this.server = server;
        this.host = host;
    }

    static TestRelay start(CacheMode mode) throws IOException {
        return start(RelayConfig.builder().cacheMode(mode).build());
    }

    static TestRelay start(RelayConfig relay) throws IOException {
        return start(relay, QuicConfig.builder().listen(LOOPBACK, 0).build());
    }

    static TestRelay start(RelayConfig relay, QuicConfig quic) throws IOException {
        ServerConfig net = ServerConfig.builder().wsListen(LOOPBACK, 0).eventLoopThreads(2).build();
        return new TestRelay(new RelayServer(net, relay).withQuic(quic).start(), LOOPBACK);
    }

    /**
     * Both listeners on {@code host} instead of loopback: e.g. the host's end of a {@link RateLimitedLink}, which
     * clients in its namespace reach through the link and clients on this host directly.
     */
    static TestRelay startOn(InetAddress host, RelayConfig relay) throws IOException {
        String address = host.getHostAddress();
        ServerConfig net = ServerConfig.builder().wsListen(address, 0).eventLoopThreads(2).build();
        QuicConfig quic = QuicConfig.builder().listen(address, 0).build();
        return new TestRelay(new RelayServer(net, relay).withQuic(quic).start(), address);
    }

    /**
     * A node of a cluster whose state is in the Redis at {@code redisUri}, with the admin API on loopback (any port)
     * for its cluster endpoints.
     */
    static TestRelay startClustered(String redisUri, String nodeId, java.time.Duration lease,
                                    java.time.Duration refresh) throws IOException {
        ServerConfig net = ServerConfig.builder().wsListen(LOOPBACK, 0).eventLoopThreads(2).build();
        io.kfrelay.cluster.ClusterConfig cluster = io.kfrelay.cluster.ClusterConfig.of(redisUri).withNodeId(nodeId)
                .withTimes(lease, refresh);
        return new TestRelay(new RelayServer(net, RelayConfig.builder().build())
                .withQuic(QuicConfig.builder().listen(LOOPBACK, 0).build())
                .withAdmin(io.kfrelay.admin.AdminConfig.defaults()
                        .withListen(new io.kfrelay.server.ListenAddress(LOOPBACK, 0)))
                .withCluster(cluster).start(), LOOPBACK);
    }

    /**
     * A relay whose per-address limits let one test host be hundreds of clients (every test client comes from
     * 127.0.0.1, which a real relay would count as one host).
     */
    static TestRelay startForCrowds(RelayConfig relay) throws IOException {
        ServerConfig net = ServerConfig.builder().wsListen(LOOPBACK, 0).eventLoopThreads(2).build();
        SecurityConfig crowd = SecurityConfig.builder().joinsPerSecondPerAddress(10_000).maxPendingPerAddress(10_000)
                .ingressPacketsPerSecond(1_000_000).ingressBytesPerSecond(1L << 30)
                .build();
        return new TestRelay(new RelayServer(net, relay).withQuic(QuicConfig.builder().listen(LOOPBACK, 0).build())
                .withSecurity(crowd).start(), LOOPBACK);
    }

    /** The relay's URL for {@code transport}. */
    URI url(Transport transport) {
        return switch (transport) {
            case WS -> url();
            case QUIC -> URI.create("quic://" + host + ":" + server.quic().address().getPort());
        };
    }

    /** {@code options} as a client of {@code transport} needs them: QUIC clients pin the relay's certificate. */
    ClientOptions options(Transport transport, ClientOptions options) {
        return transport == Transport.QUIC
                ? options.toBuilder().quic(options.quic().withPin(server.quic().fingerprint())).build()
                : options;
    }

    ClientOptions options(Transport transport) {
        return options(transport, ClientOptions.defaults());
    }

    KfRelayClient join(String room, String identity, ClientListener listener, Transport transport) throws Exception {
        return join(room, identity, listener, ClientOptions.defaults(), transport);
    }

    KfRelayClient join(String room, String identity, ClientListener listener, ClientOptions options,
                       Transport transport) throws Exception {
        return join(url(transport), room, identity, listener, options(transport, options));
    }

    /** Joins through {@code url} (e.g. a proxy in front of the relay) with exactly these options. */
    KfRelayClient join(URI url, String room, String identity, ClientListener listener, ClientOptions options)
            throws Exception {
        return join(url, room, identity, 0, listener, options);
    }

    /** Joins with JOIN options, e.g. {@code ControlMessage.Join.MANUAL_SUBSCRIBE}. */
    KfRelayClient join(String room, String identity, int joinOptions, ClientListener listener, Transport transport)
            throws Exception {
        return join(url(transport), room, identity, joinOptions, listener, options(transport));
    }

    /** The same, options last. */
    KfRelayClient join(String room, String identity, ClientListener listener, Transport transport, int joinOptions)
            throws Exception {
        return join(room, identity, joinOptions, listener, transport);
    }

    private KfRelayClient join(URI url, String room, String identity, int joinOptions, ClientListener listener,
                               ClientOptions options) throws Exception {
        KfRelayClient c = KfRelayClient.connect(url, options, listener).get(5, TimeUnit.SECONDS);
        synchronized (clients) {
            clients.add(c);
        }
        c.join(room, identity, "", joinOptions).get(5, TimeUnit.SECONDS);
        return c;
    }

    /** What the shard knows of {@code name} now (an empty room when there is none). */
    RoomInfo room(String name) {
        try {
            RoomInfo room = server.core().room(name).get(5, TimeUnit.SECONDS);
            return room == null ? new RoomInfo(name, List.of()) : room;
        } catch (Exception e) {
            throw new AssertionError("cannot read room " + name, e);
        }
    }

    /** How many layers of the room's simulcast sources are being published. */
    long startedLayers(String room) {
        return room(room).participants().stream().flatMap(p -> p.sources().stream())
                .flatMap(s -> s.started().stream()).filter(b -> b).count();
    }

    /** ws://127.0.0.1:PORT (or the address it listens on), no path: the relay upgrades / as well as its configured path. */
    URI url() {
        return URI.create("ws://" + host + ":" + server.wsPort());
    }

    RelayServer server() {
        return server;
    }

    RelayCore core() {
        return server.core();
    }

    /** Connects a client and joins it to {@code room}; fails the test if that takes more than 5 s. */
    KfRelayClient join(String room, String identity, ClientListener listener) throws Exception {
        return join(room, identity, listener, ClientOptions.defaults());
    }

    KfRelayClient join(String room, String identity, ClientListener listener, ClientOptions options) throws Exception {
        return join(room, identity, listener, options, Transport.WS);
    }

    /** Every non-zero drop and transport counter, for failure messages: where did packets go? */
    String counters() {
        StringBuilder s = new StringBuilder("relay counters:");
        var drops = core().metrics();
        for (DropReason r : DropReason.values()) {
            if (drops.drops(r) > 0) {
                s.append(' ').append(r).append('=').append(drops.drops(r));
            }
        }
        for (TransportMetrics.Counter c : TransportMetrics.Counter.values()) {
            long n = server.metrics().get(c);
            if (n > 0) {
                s.append(' ').append(c).append('=').append(n);
            }
        }
        server.quicMetrics().snapshot().forEach((name, n) -> {
            if (n > 0) {
                s.append(" quic.").append(name).append('=').append(n);
            }
        });
        return s.toString();
    }

    /** The per-connection counters of one transport's connections. */
    TransportMetrics metrics(Transport transport) {
        return transport == Transport.QUIC ? server.quicMetrics().sessions() : server.metrics();
    }

    @Override
    public void close() {
        synchronized (clients) {
            clients.forEach(KfRelayClient::close);
        }
        server.close();
    }
}
