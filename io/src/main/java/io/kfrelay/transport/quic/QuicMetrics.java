package io.kfrelay.transport.quic;

import io.kfrelay.metrics.EnumAdders;
import io.kfrelay.transport.TransportMetrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counters of the QUIC transport. What every transport counts (connections, joins, refusals, media a receiver's
 * queue dropped) is in {@link #sessions()}, a {@link TransportMetrics} of QUIC's own, so the WebSocket and QUIC
 * numbers stay apart; what only QUIC has is here.
 */
public final class QuicMetrics {

    public enum Counter {
        /** QUIC media datagrams received from peers. */
        DATAGRAMS_RECEIVED,
        /** Media datagrams handed to quiche for sending. */
        DATAGRAMS_SENT,
        /** Media packets larger than the peer's maximum datagram size: not sent. */
        DATAGRAMS_OVERSIZED,
        /** Times a connection's datagram credit ran out (quiche's queue held enough): its sink queue waited. */
        CREDIT_STALLS,
        /** Flushes of the UDP socket; datagrams_sent / udp_flushes says how well fan-out batches. */
        UDP_FLUSHES,
        /** Connections closed because the peer was silent for the idle timeout. */
        IDLE_TIMEOUTS,
        /** Handshakes that never completed (bad ALPN, TLS failure, timeout). */
        HANDSHAKE_FAILURES,
        /** Streams beyond the one control stream a connection may open (refused). */
        EXTRA_STREAMS_REFUSED,
        /** QUIC packets quiche declared lost, summed over closed connections. */
        PACKETS_LOST
    }

    private final TransportMetrics sessions = new TransportMetrics();
    private final EnumAdders<Counter> counters = new EnumAdders<>(Counter.class);

    /** The per-connection counters every transport has, for QUIC connections only. */
    public TransportMetrics sessions() {
        return sessions;
    }

    public void increment(Counter c) {
        counters.increment(c);
    }

    public void add(Counter c, long n) {
        counters.add(c, n);
    }

    public long get(Counter c) {
        return counters.get(c);
    }

    /** Every counter by a stable lower-case name, QUIC's own first, then "sessions.*". */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        counters.putAll("", out);
        sessions.snapshot().forEach((k, v) -> out.put("sessions." + k, v));
        return out;
    }
}
