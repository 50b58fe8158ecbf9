package io.kfrelay.cli;

import io.kfrelay.server.ListenAddress;
import io.kfrelay.server.QuicCongestion;
import io.kfrelay.server.QuicConfig;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;

/** {@code serve}'s QUIC options (a picocli mixin); environment and config file work for them like for the others. */
final class QuicOptions {

    /** Null unless named (command line, environment or config file): then ListenPolicy decides. */
    @Option(names = "--quic-listen", paramLabel = "HOST:PORT|off",
            description = "Where the QUIC listener's UDP socket binds (media in datagrams, control on a stream, "
                    + "ALPN kfrelay); off for none. Unless named: 127.0.0.1:4433 without --auth-secret, 0.0.0.0:4433 "
                    + "with it (or with --auth-public-key, --auth-jwks: whenever tokens are checked).")
    String listen;

    @Option(names = "--quic-idle-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = Converters.Time.class,
            description = "A QUIC peer silent this long is dropped and leaves its room.")
    Duration idleTimeout;

    @Option(names = "--quic-keep-alive", paramLabel = "DURATION", defaultValue = "10s", converter = Converters.Time.class,
            description = "The relay PINGs each QUIC peer this often (0: never); shorter than the idle timeout.")
    Duration keepAlive;

    @Option(names = "--quic-max-udp-payload", paramLabel = "SIZE", defaultValue = "1452", converter = Converters.IntBytes.class,
            description = "Largest UDP payload (1200..65527); 1452 leaves 1408-byte datagrams.")
    int maxUdpPayload;

    @Option(names = "--quic-datagram-queue", paramLabel = "N", defaultValue = "1024",
            description = "Datagrams quiche may hold per connection and direction.")
    int datagramQueue;

    @Option(names = "--quic-gso", paramLabel = "BOOL", defaultValue = "true", arity = "1",
            description = "Send each connection's packets as UDP GSO segments (epoll only).")
    boolean gso;

    @Option(names = "--quic-event-loops", paramLabel = "N", defaultValue = "1",
            description = "UDP sockets sharing the QUIC port (SO_REUSEPORT), each with its own event loop thread; "
                    + "a connection stays on one. 0: one per CPU core. Epoll only: with NIO, 1 (and a warning).")
    int eventLoops;

    @Option(names = "--quic-congestion-control", paramLabel = "KIND", defaultValue = "bbr",
            converter = Converters.Congestion.class,
            description = "Congestion controller of QUIC connections: bbr (keeps a slow link's queue short, so media "
                    + "datagrams are not dropped there), cubic or reno.")
    QuicCongestion congestion;

    /** The QUIC configuration these options describe. */
    QuicConfig quicConfig() {
        boolean off = listen != null && listen.trim().equalsIgnoreCase("off");
        return QuicConfig.builder()
                .enabled(!off)
                .listen(off ? null : listenAddress())
                .idleTimeout(idleTimeout)
                .keepAlive(keepAlive)
                .maxUdpPayloadBytes(maxUdpPayload)
                .datagramQueue(datagramQueue)
                .gso(gso)
                .eventLoops(eventLoops)
                .congestion(congestion)
                .build();
    }

    /** {@code HOST:PORT} or {@code :PORT}; null when not named. */
    private ListenAddress listenAddress() {
        if (listen == null) {
            return null;
        }
        try {
            return new Converters.Listen().convert(listen);
        } catch (TypeConversionException e) {
            throw new IllegalArgumentException("quic-listen: " + e.getMessage() + " (or off)", e);
        }
    }
}
