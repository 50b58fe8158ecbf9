package io.kfrelay.telemetry;

import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.transport.TransportMetrics;
import io.kfrelay.transport.TransportMetrics.Counter;

import java.util.Locale;

/**
 * One transport's {@link TransportMetrics}, every sample labelled {@code transport="ws"} (or {@code "quic"}, ...):
 * register one per transport and the families merge. Media in and out are {@code kfrelay_ingress_*} and
 * {@code kfrelay_egress_*}; every other counter is {@code kfrelay_transport_<counter>_total}.
 */
public final class TransportMetricsSource implements MetricSource {
    private final String transport;
    private final TransportMetrics metrics;

    public TransportMetricsSource(String transport, TransportMetrics metrics) {
        this.transport = transport;
        this.metrics = metrics;
    }

    @Override
    public void collect(MetricWriter out) {
        out.counter("kfrelay_ingress_packets_total", "Media packets received from clients, per transport",
                metrics.get(Counter.INGRESS_PACKETS), "transport", transport);
        out.counter("kfrelay_ingress_bytes_total", "Bytes of media received from clients, per transport",
                metrics.get(Counter.INGRESS_BYTES), "transport", transport);
        out.counter("kfrelay_egress_packets_total", "Media packets written to clients (live and replayed), per transport",
                metrics.get(Counter.EGRESS_PACKETS), "transport", transport);
        out.counter("kfrelay_egress_bytes_total", "Bytes of media written to clients, per transport",
                metrics.get(Counter.EGRESS_BYTES), "transport", transport);
        out.gauge("kfrelay_connections_open", "Client connections open now, per transport",
                metrics.openConnections(), "transport", transport);
        for (Counter c : Counter.values()) {
            switch (c) {
                case INGRESS_PACKETS, INGRESS_BYTES, EGRESS_PACKETS, EGRESS_BYTES -> {
                    // exported above under their own names
                }
                default -> out.counter("kfrelay_transport_" + lower(c) + "_total", help(c), metrics.get(c),
                        "transport", transport);
            }
        }
        for (DecodeStatus s : DecodeStatus.values()) {
            if (s != DecodeStatus.OK) {
                out.counter("kfrelay_transport_malformed_total", "Malformed messages refused, by reason",
                        metrics.malformed(s), "transport", transport, "reason", lower(s));
            }
        }
    }

    private static String help(Counter c) {
        return switch (c) {
            case CONNECTIONS_OPENED -> "Client connections accepted";
            case CONNECTIONS_CLOSED -> "Client connections gone, for any reason";
            case HANDSHAKES_REJECTED -> "Connection handshakes refused (wrong path, not an upgrade)";
            case JOINS -> "JOINs handed to the relay core";
            case TEXT_FRAMES -> "Text frames received (refused)";
            case OVERSIZED_FRAMES -> "Frames over the size limit (refused with TOO_LARGE)";
            case FRAGMENTED_FRAMES -> "Messages split over several frames (refused)";
            case WEBSOCKET_ERRORS -> "WebSocket protocol errors";
            case MALFORMED_MESSAGES -> "Malformed protocol messages, all reasons";
            case NOT_JOINED -> "Messages that needed a JOIN first";
            case ALREADY_JOINED -> "Second JOINs on one connection";
            case JOIN_TIMEOUTS -> "Connections that did not JOIN in time";
            case MEDIA_DROPPED -> "Media not queued for a slow receiver (its queue was full)";
            case MEDIA_SKIPPED -> "Media skipped for a receiver waiting for a keyframe after a drop";
            case MEDIA_PURGED -> "Media taken out of a receiver's queue unsent: it unsubscribed from the stream";
            case KEYFRAME_REQUESTS -> "Keyframe requests made by receivers' queues after dropping video";
            case SLOW_RECEIVERS_DISCONNECTED -> "Receivers disconnected: not even control fit their queue, or they stalled past the stall timeout";
            case CLOSE_TIMEOUTS -> "Closing connections cut off after the drain timeout";
            case IO_ERRORS -> "Connections that failed with an I/O error";
            case INTERNAL_ERRORS -> "Unexpected exceptions in connection handlers (a bug)";
            default -> "Transport counter " + lower(c);
        };
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
