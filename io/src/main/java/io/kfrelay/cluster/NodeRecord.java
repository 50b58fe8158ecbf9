package io.kfrelay.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One relay as the node registry holds it (Redis hash {@code kfrelay:node:{ID}}, docs/CLUSTER.md).
 *
 * @param id           the node's id ({@code serve --node-id})
 * @param ws           where clients reach its WebSocket listener ({@code ws://} or {@code wss://})
 * @param quic         its QUIC listener ({@code quic://HOST:PORT}), or "" without one
 * @param quicPin      the SHA-256 fingerprint of its self-signed QUIC certificate, or "" (a CA-signed one)
 * @param admin        its admin API ({@code http://HOST:PORT}), or "" without one
 * @param state        {@code serving} or {@code draining}
 * @param participants sessions it serves now
 * @param rooms        rooms it owns now
 * @param bootEpoch    {@code INCR kfrelay:node-boot:{ID}} at its start: which start of this node wrote the record
 * @param ttlMillis    what is left of the record's expiry when read (-1 when written)
 */
public record NodeRecord(String id, String ws, String quic, String quicPin, String admin, String state,
                         long participants, long rooms, long bootEpoch, long ttlMillis) {

    public static final String SERVING = "serving";
    public static final String DRAINING = "draining";

    /** The hash's fields, in a stable order. */
    Map<String, String> fields() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("ws", ws);
        m.put("quic", quic);
        m.put("quicPin", quicPin);
        m.put("admin", admin);
        m.put("state", state);
        m.put("participants", Long.toString(participants));
        m.put("rooms", Long.toString(rooms));
        m.put("boot", Long.toString(bootEpoch));
        return m;
    }

    static NodeRecord of(Map<String, String> f, long ttlMillis) {
        return new NodeRecord(f.getOrDefault("id", ""), f.getOrDefault("ws", ""), f.getOrDefault("quic", ""),
                f.getOrDefault("quicPin", ""), f.getOrDefault("admin", ""), f.getOrDefault("state", ""),
                number(f.get("participants")), number(f.get("rooms")), number(f.get("boot")), ttlMillis);
    }

    private static long number(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
