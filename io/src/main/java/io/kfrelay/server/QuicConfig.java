package io.kfrelay.server;

import java.time.Duration;

/**
 * Configuration of the relay's QUIC listener ({@link RelayServer#withQuic}). Media travels in QUIC DATAGRAM
 * frames (RFC 9221), control on one bidirectional stream, peers spread over {@link #eventLoopCount()} UDP sockets on one port; see docs/PROTOCOL.md §7.
 * Its certificate is the relay's ({@link TlsConfig}, in {@link ServerConfig#tls()}); without one, QUIC makes a
 * self-signed certificate at start-up and logs its SHA-256 fingerprint (clients pin it).
 *
 * @param enabled           whether there is a QUIC listener at all; default true ({@link #disabled()}: none)
 * @param listen            where the UDP socket binds; null (the default): port 4433 on loopback without an auth
 *                          secret, on every interface with one ({@link ListenPolicy})
 * @param idleTimeout       a connection that hears nothing from its peer for this long is closed, and its
 *                          participant leaves as with LEAVE; default 30 s (the peers agree on the smaller of theirs)
 * @param keepAlive         the relay sends a PING on the control stream this often, so a quiet but healthy peer
 *                          is never idle; default 10 s, less than the idle timeout; {@link Duration#ZERO} = never
 * @param maxUdpPayloadBytes largest UDP payload sent or accepted; default 1452 (a 1500-byte Ethernet MTU under
 *                          IPv6), which leaves 1408 bytes per datagram: a 1200-byte media packet fits with room.
 *                          1200 is the most any path must carry (1156-byte datagrams)
 * @param datagramQueue     datagrams quiche may hold per connection and direction before it drops; default 1024
 * @param gso               hand a connection's consecutive packets to the kernel as one UDP GSO send (epoll only);
 *                          default true
 * @param eventLoops        UDP sockets bound to the listen port with SO_REUSEPORT, each with an event loop (a thread)
 *                          and a QUIC codec of its own; the kernel keeps each peer's address pair on one socket, so a
 *                          connection stays on one thread. Default 1: a second loop only pays off on cores the
 *                          relay does not share with its load (docs/PERFORMANCE.md, QUIC); on a host of its own,
 *                          try the number of cores. 0 means one per CPU core ({@link #eventLoopCount()}). Epoll
 *                          only: with NIO the listener warns and uses 1
 * @param congestion        the congestion controller of every connection; default {@link QuicCongestion#BBR}, which
 *                          keeps a slow link's queue short so datagrams are not dropped there
 */
public record QuicConfig(boolean enabled, ListenAddress listen, Duration idleTimeout,
                         Duration keepAlive, int maxUdpPayloadBytes, int datagramQueue, boolean gso, int eventLoops,
                         QuicCongestion congestion) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_UDP_PAYLOAD_BYTES = 1452;
    /** QUIC's floor: every path must carry 1200-byte UDP payloads (RFC 9000 §14). */
    public static final int MIN_UDP_PAYLOAD_BYTES = 1200;
    public static final int MAX_UDP_PAYLOAD_BYTES = 65_527;
    public static final int DEFAULT_DATAGRAM_QUEUE = 1024;
    public static final int DEFAULT_EVENT_LOOPS = 1;
    public static final int MAX_EVENT_LOOPS = 256;
    /** The ALPN protocol id a kfrelay QUIC connection negotiates. */
    public static final String ALPN = "kfrelay";

    public QuicConfig {
        require(idleTimeout != null && idleTimeout.toMillis() >= 100, "quic-idle-timeout must be at least 100ms");
        require(keepAlive != null && !keepAlive.isNegative() && (keepAlive.isZero() || keepAlive.compareTo(idleTimeout) < 0),
                "quic-keep-alive must be 0 (off) or shorter than quic-idle-timeout (" + idleTimeout.toMillis() + " ms)");
        require(maxUdpPayloadBytes >= MIN_UDP_PAYLOAD_BYTES && maxUdpPayloadBytes <= MAX_UDP_PAYLOAD_BYTES,
                "quic-max-udp-payload must be " + MIN_UDP_PAYLOAD_BYTES + ".." + MAX_UDP_PAYLOAD_BYTES + ", was "
                        + maxUdpPayloadBytes);
        require(datagramQueue >= 16 && datagramQueue <= 65_536, "quic-datagram-queue must be 16..65536, was " + datagramQueue);
        require(congestion != null, "quic-congestion-control is required");
        require(eventLoops >= 0 && eventLoops <= MAX_EVENT_LOOPS,
                "quic-event-loops must be 0 (one per core).." + MAX_EVENT_LOOPS + ", was " + eventLoops);
    }

    /** How many sockets and event loops the listener wants: {@link #eventLoops}, or the number of CPU cores for 0. */
    public int eventLoopCount() {
        return eventLoops > 0 ? eventLoops : Math.min(MAX_EVENT_LOOPS, Runtime.getRuntime().availableProcessors());
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static QuicConfig defaults() {
        return builder().build();
    }

    /** No QUIC listener. */
    public static QuicConfig disabled() {
        return builder().enabled(false).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().enabled(enabled).listen(listen).idleTimeout(idleTimeout)
                .keepAlive(keepAlive).maxUdpPayloadBytes(maxUdpPayloadBytes).datagramQueue(datagramQueue).gso(gso)
                .eventLoops(eventLoops).congestion(congestion);
    }

    /** Mutable builder starting from the defaults; every setter returns this. */
    public static final class Builder {
        private boolean enabled = true;
        private ListenAddress listen; // null: ListenPolicy decides at start
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration keepAlive = DEFAULT_KEEP_ALIVE;
        private int maxUdpPayloadBytes = DEFAULT_MAX_UDP_PAYLOAD_BYTES;
        private int datagramQueue = DEFAULT_DATAGRAM_QUEUE;
        private boolean gso = true;
        private int eventLoops = DEFAULT_EVENT_LOOPS;
        private QuicCongestion congestion = QuicCongestion.BBR;

        private Builder() {
        }

        /** False: no QUIC listener. */
        public Builder enabled(boolean v) { enabled = v; return this; }
        /** Null: not named, {@link ListenPolicy} decides. */
        public Builder listen(ListenAddress v) { listen = v; return this; }
        public Builder listen(String host, int port) { listen = new ListenAddress(host, port); return this; }
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
        public Builder keepAlive(Duration v) { keepAlive = v; return this; }
        public Builder maxUdpPayloadBytes(int v) { maxUdpPayloadBytes = v; return this; }
        public Builder datagramQueue(int v) { datagramQueue = v; return this; }
        public Builder gso(boolean v) { gso = v; return this; }
        /** 0: one per CPU core. */
        public Builder eventLoops(int v) { eventLoops = v; return this; }
        public Builder congestion(QuicCongestion v) { congestion = v; return this; }

        public QuicConfig build() {
            return new QuicConfig(enabled, listen, idleTimeout, keepAlive, maxUdpPayloadBytes,
                    datagramQueue, gso, eventLoops, congestion);
        }
    }
}
