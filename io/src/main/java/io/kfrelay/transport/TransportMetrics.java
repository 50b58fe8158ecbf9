package io.kfrelay.transport;

import io.kfrelay.metrics.EnumAdders;
import io.kfrelay.protocol.DecodeStatus;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Counters of the network transports, shared by every connection. Each is a LongAdder ({@link EnumAdders}): event
 * loops and shard consumers increment them concurrently without contending on one cache line.
 */
public final class TransportMetrics {

    /** What the transports count. Rejections end the offending connection with an ERROR; nobody else notices. */
    public enum Counter {
        /** TCP connections accepted. */
        CONNECTIONS_OPENED,
        /** TCP connections gone (for any reason); open = opened - closed. */
        CONNECTIONS_CLOSED,
        /** HTTP requests that were not a WebSocket upgrade on the relay's path (answered 4xx and closed). */
        HANDSHAKES_REJECTED,
        /** JOINs handed to the relay core. */
        JOINS,
        /** Text frames received (rejected: every message is one binary frame). */
        TEXT_FRAMES,
        /** Frames larger than the configured limit (rejected with TOO_LARGE before being buffered). */
        OVERSIZED_FRAMES,
        /** Messages split over several WebSocket frames (rejected). */
        FRAGMENTED_FRAMES,
        /** WebSocket-level protocol errors (unmasked frames, bad opcodes, ...): closed with a close frame. */
        WEBSOCKET_ERRORS,
        /** Malformed protocol messages, all reasons together; {@link #malformed(DecodeStatus)} splits them. */
        MALFORMED_MESSAGES,
        /** A message that needs a joined connection arrived before JOIN (media, KEYFRAME_REQUEST, ...). */
        NOT_JOINED,
        /** A second JOIN on one connection. */
        ALREADY_JOINED,
        /** Connections that did not JOIN in time. */
        JOIN_TIMEOUTS,
        /** Media not queued for a receiver because its queue was full (slow receiver). */
        MEDIA_DROPPED,
        /** Media not queued for a receiver because that stream waits for its next keyframe after a drop. */
        MEDIA_SKIPPED,
        /** Media taken out of a receiver's queue unsent because the receiver unsubscribed from its stream. */
        MEDIA_PURGED,
        /** Keyframe requests a receiver's queue made after losing video, once drained (the relay throttles them). */
        KEYFRAME_REQUESTS,
        /** Receivers disconnected because not even control fit in their queue, or they stalled for the stall timeout. */
        SLOW_RECEIVERS_DISCONNECTED,
        /** Closing connections cut off because they could not write out their queue within the drain timeout. */
        CLOSE_TIMEOUTS,
        /** Connections that failed with an I/O error (reset by peer, ...). */
        IO_ERRORS,
        /** Unexpected exceptions in a connection's handlers (a bug): the connection was closed. */
        INTERNAL_ERRORS,
        /** Media packets received from joined clients (before validation). */
        INGRESS_PACKETS,
        /** Bytes of those packets, header included. */
        INGRESS_BYTES,
        /** Media packets written to clients, live and replayed. */
        EGRESS_PACKETS,
        /** Bytes of those packets, header included (not the transport's own framing). */
        EGRESS_BYTES
    }

    private final EnumAdders<Counter> counters = new EnumAdders<>(Counter.class);
    private final EnumAdders<DecodeStatus> malformed = new EnumAdders<>(DecodeStatus.class);

    public void increment(Counter counter) {
        counters.increment(counter);
    }

    /** Adds {@code n} (for byte counts and batches). */
    public void add(Counter counter, long n) {
        counters.add(counter, n);
    }

    /** One media packet received from a client. */
    public void countIngress(int bytes) {
        counters.increment(Counter.INGRESS_PACKETS);
        counters.add(Counter.INGRESS_BYTES, bytes);
    }

    public long get(Counter counter) {
        return counters.get(counter);
    }

    /** Counts one malformed message: its reason and {@link Counter#MALFORMED_MESSAGES}. */
    public void countMalformed(DecodeStatus reason) {
        malformed.increment(reason);
        increment(Counter.MALFORMED_MESSAGES);
    }

    /** Malformed messages refused for {@code reason}. */
    public long malformed(DecodeStatus reason) {
        return malformed.get(reason);
    }

    /** Connections open right now. */
    public long openConnections() {
        return get(Counter.CONNECTIONS_OPENED) - get(Counter.CONNECTIONS_CLOSED);
    }

    /**
     * Every counter by a stable lower-case name (e.g. "text_frames", "malformed.bad_flags"), in declaration
     * order: for logs, the admin API and exporters.
     */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        counters.putAll("", out);
        for (DecodeStatus s : DecodeStatus.values()) {
            if (s != DecodeStatus.OK) {
                out.put("malformed." + s.name().toLowerCase(Locale.ROOT), malformed(s));
            }
        }
        return out;
    }
}
