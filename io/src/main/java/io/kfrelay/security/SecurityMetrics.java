package io.kfrelay.security;

import io.kfrelay.protocol.ErrorCodes;

import io.kfrelay.metrics.EnumAdders;

import java.util.LinkedHashMap;
import java.util.Map;

/** What the security gate counted: every refusal by reason, and every message the rate limits dropped. */
public final class SecurityMetrics {

    public enum Counter {
        /** JOINs admitted with a valid token. */
        JOINS_WITH_TOKEN,
        /** JOINs admitted without one (open mode, or tokens optional). */
        JOINS_WITHOUT_TOKEN,
        TOKEN_REQUIRED,
        TOKEN_MALFORMED,
        TOKEN_BAD_SIGNATURE,
        TOKEN_EXPIRED,
        TOKEN_UNKNOWN_KEY,
        TOKEN_WRONG_ALGORITHM,
        TOKEN_WRONG_ROOM,
        TOKEN_WRONG_IDENTITY,
        GRANT_MISSING,
        NOT_ON_ROOM_ACL,
        /** JOINs refused by the per-address JOIN rate. */
        TOO_MANY_JOINS,
        /** Connections closed at once: their address already had the maximum of connections not yet joined. */
        CONNECTIONS_REFUSED,
        /** Control messages larger than the control limit (refused with TOO_LARGE). */
        CONTROL_TOO_LARGE,
        /** Messages dropped by a connection's ingress rate limit. */
        RATE_LIMITED_MESSAGES,
        /** Bytes of those messages. */
        RATE_LIMITED_BYTES,
        /** Connections disconnected (RATE_LIMITED) for staying over their rate limit. */
        RATE_LIMIT_DISCONNECTS
    }

    private final EnumAdders<Counter> counters = new EnumAdders<>(Counter.class);

    public void increment(Counter c) {
        counters.increment(c);
    }

    public void add(Counter c, long n) {
        counters.add(c, n);
    }

    public long get(Counter c) {
        return counters.get(c);
    }

    /** Counts a refused JOIN under the counter of its ERROR code. */
    void countRefusal(int code) {
        increment(switch (code) {
            case ErrorCodes.TOKEN_REQUIRED -> Counter.TOKEN_REQUIRED;
            case ErrorCodes.TOKEN_MALFORMED -> Counter.TOKEN_MALFORMED;
            case ErrorCodes.TOKEN_BAD_SIGNATURE -> Counter.TOKEN_BAD_SIGNATURE;
            case ErrorCodes.TOKEN_EXPIRED -> Counter.TOKEN_EXPIRED;
            case ErrorCodes.TOKEN_UNKNOWN_KEY -> Counter.TOKEN_UNKNOWN_KEY;
            case ErrorCodes.TOKEN_WRONG_ALGORITHM -> Counter.TOKEN_WRONG_ALGORITHM;
            case ErrorCodes.TOKEN_WRONG_ROOM -> Counter.TOKEN_WRONG_ROOM;
            case ErrorCodes.TOKEN_WRONG_IDENTITY -> Counter.TOKEN_WRONG_IDENTITY;
            case ErrorCodes.GRANT_MISSING -> Counter.GRANT_MISSING;
            case ErrorCodes.NOT_ON_ROOM_ACL -> Counter.NOT_ON_ROOM_ACL;
            case ErrorCodes.TOO_MANY_JOINS -> Counter.TOO_MANY_JOINS;
            default -> throw new IllegalArgumentException("not a join refusal code: " + code);
        });
    }

    /** JOINs refused by the gate, every reason together. */
    public long joinsRefused() {
        long sum = 0;
        for (Counter c : Counter.values()) {
            if (c.ordinal() >= Counter.TOKEN_REQUIRED.ordinal() && c.ordinal() <= Counter.TOO_MANY_JOINS.ordinal()) {
                sum += get(c);
            }
        }
        return sum;
    }

    /** Every counter by a stable lower-case name, in declaration order (as TransportMetrics does). */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        counters.putAll("security.", out);
        return out;
    }
}
