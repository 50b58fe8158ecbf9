package io.kfrelay.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How a client talks QUIC to a relay ({@code quic://HOST:PORT}); ignored for other URLs.
 *
 * <p>Trust: by default the relay's certificate must chain to the JVM's trusted roots and name the host. A relay
 * with a self-signed certificate is reached by pinning its SHA-256 fingerprint ({@link #pin}, as the relay logs
 * it at start-up: only that certificate is accepted, under any name), or, for tests on one's own machine, by
 * trusting anything ({@link #insecure}).
 *
 * @param pin                the only certificate to accept, or null
 * @param insecure           accept any certificate (no authentication of the relay at all)
 * @param idleTimeout        close the connection after this long without hearing from the relay
 * @param keepAlive          send a PING on the control stream this often (keeps a quiet connection alive);
 *                           zero: never. Shorter than the idle timeout
 * @param maxUdpPayloadBytes largest UDP payload sent or accepted (1200..65527); the usable datagram size the
 *                           connection agrees on follows from it and the relay's ({@code 1452} gives 1408 bytes)
 * @param datagramQueue      datagrams quiche may hold per direction before it drops
 */
public record QuicClientOptions(CertificatePin pin, boolean insecure, Duration idleTimeout, Duration keepAlive,
                                int maxUdpPayloadBytes, int datagramQueue) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_UDP_PAYLOAD_BYTES = 1452;
    public static final int DEFAULT_DATAGRAM_QUEUE = 4096;

    public QuicClientOptions {
        if (pin != null && insecure) {
            throw new IllegalArgumentException("pin a certificate or trust any (insecure), not both");
        }
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(keepAlive, "keepAlive");
        if (idleTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("idleTimeout must be at least 100 ms");
        }
        if (keepAlive.isNegative() || (!keepAlive.isZero() && keepAlive.compareTo(idleTimeout) >= 0)) {
            throw new IllegalArgumentException("keepAlive must be zero (off) or shorter than idleTimeout");
        }
        if (maxUdpPayloadBytes < 1200 || maxUdpPayloadBytes > 65_527) {
            throw new IllegalArgumentException("maxUdpPayloadBytes must be 1200..65527, was " + maxUdpPayloadBytes);
        }
        if (datagramQueue < 16) {
            throw new IllegalArgumentException("datagramQueue must be at least 16, was " + datagramQueue);
        }
    }

    public static QuicClientOptions defaults() {
        return new QuicClientOptions(null, false, DEFAULT_IDLE_TIMEOUT, DEFAULT_KEEP_ALIVE,
                DEFAULT_MAX_UDP_PAYLOAD_BYTES, DEFAULT_DATAGRAM_QUEUE);
    }

    /** Accept only the certificate with this fingerprint. */
    public QuicClientOptions withPin(CertificatePin p) {
        return new QuicClientOptions(p, false, idleTimeout, keepAlive, maxUdpPayloadBytes, datagramQueue);
    }

    /** Accept any certificate: no authentication of the relay (tests, one's own machine). */
    public QuicClientOptions withInsecure() {
        return new QuicClientOptions(null, true, idleTimeout, keepAlive, maxUdpPayloadBytes, datagramQueue);
    }

    public QuicClientOptions withTimeouts(Duration idle, Duration keepAliveEvery) {
        return new QuicClientOptions(pin, insecure, idle, keepAliveEvery, maxUdpPayloadBytes, datagramQueue);
    }
}
