package io.kfrelay.client;

import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.ErrorCodes;

/** The relay sent an ERROR message: its code (docs/PROTOCOL.md §5) and reason. */
public final class RelayErrorException extends Exception {
    private final int code;
    private final String reason;

    public RelayErrorException(String context, int code, String reason) {
        super(context + ": error " + code + " " + codeName(code) + (reason.isEmpty() ? "" : ": " + reason));
        this.code = code;
        this.reason = reason;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    /** Symbolic name of a protocol error code, e.g. ROOM_INVALID, BAD_LENGTH, or "unassigned". */
    public static String codeName(int code) {
        return switch (code) {
            case ErrorCodes.JOIN_REJECTED -> "JOIN_REJECTED";
            case ErrorCodes.ROOM_INVALID -> "ROOM_INVALID";
            case ErrorCodes.ALREADY_JOINED -> "ALREADY_JOINED";
            case ErrorCodes.NOT_JOINED -> "NOT_JOINED";
            case ErrorCodes.RELAY_SHUTTING_DOWN -> "RELAY_SHUTTING_DOWN";
            case ErrorCodes.ROOM_FULL -> "ROOM_FULL";
            case ErrorCodes.TOO_MANY_ROOMS -> "TOO_MANY_ROOMS";
            case ErrorCodes.TOKEN_REQUIRED -> "TOKEN_REQUIRED";
            case ErrorCodes.TOKEN_MALFORMED -> "TOKEN_MALFORMED";
            case ErrorCodes.TOKEN_BAD_SIGNATURE -> "TOKEN_BAD_SIGNATURE";
            case ErrorCodes.TOKEN_EXPIRED -> "TOKEN_EXPIRED";
            case ErrorCodes.TOKEN_WRONG_ROOM -> "TOKEN_WRONG_ROOM";
            case ErrorCodes.TOKEN_WRONG_IDENTITY -> "TOKEN_WRONG_IDENTITY";
            case ErrorCodes.GRANT_MISSING -> "GRANT_MISSING";
            case ErrorCodes.PUBLISH_NOT_ALLOWED -> "PUBLISH_NOT_ALLOWED";
            case ErrorCodes.NOT_ON_ROOM_ACL -> "NOT_ON_ROOM_ACL";
            case ErrorCodes.RATE_LIMITED -> "RATE_LIMITED";
            case ErrorCodes.TOO_MANY_JOINS -> "TOO_MANY_JOINS";
            case ErrorCodes.KICKED -> "KICKED";
            case ErrorCodes.TOO_SLOW -> "TOO_SLOW";
            case ErrorCodes.ROOM_ELSEWHERE -> "ROOM_ELSEWHERE";
            case ErrorCodes.CLUSTER_UNAVAILABLE -> "CLUSTER_UNAVAILABLE";
            case ErrorCodes.STALE_EPOCH -> "STALE_EPOCH";
            case ErrorCodes.CLUSTER_CREDENTIAL_INVALID -> "CLUSTER_CREDENTIAL_INVALID";
            default -> {
                for (DecodeStatus s : DecodeStatus.values()) {
                    if (s != DecodeStatus.OK && s.code() == code) {
                        yield s.name();
                    }
                }
                yield "(unassigned)";
            }
        };
    }
}
