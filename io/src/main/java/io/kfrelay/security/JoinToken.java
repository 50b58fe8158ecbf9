package io.kfrelay.security;

import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.room.Grants;

import java.util.Objects;

/**
 * The claims of a join token: who ({@code sub}), which room ({@code room}: an exact name, or a prefix
 * ending in {@code *}; {@code *} alone is every room), what it may do ({@code canPublish},
 * {@code canSubscribe}) and until when ({@code exp}, and optionally from when, {@code nbf}, in epoch seconds).
 *
 * @param identity   the JOIN's identity must equal this
 * @param room       room name or {@code prefix*} pattern
 * @param grants     canPublish / canSubscribe
 * @param expiresAt  epoch seconds after which the token is refused
 * @param notBefore  epoch seconds before which the token is refused; 0 for none
 */
public record JoinToken(String identity, String room, Grants grants, long expiresAt, long notBefore) {
    /** Suffix that makes {@link #room} a prefix pattern. */
    public static final String WILDCARD = "*";

    public JoinToken {
        Objects.requireNonNull(grants, "grants");
        if (!ControlMessage.Join.isValidName(identity)) {
            throw new IllegalArgumentException("identity must be 1.." + ControlMessage.Join.MAX_NAME_BYTES
                    + " UTF-8 bytes without control characters");
        }
        if (!isValidRoomPattern(room)) {
            throw new IllegalArgumentException("room must be a room name or a prefix ending in '*'");
        }
        if (notBefore < 0 || expiresAt <= notBefore) {
            throw new IllegalArgumentException("the token must expire after it becomes valid");
        }
    }

    /** A room name, {@code *}, or a room name followed by {@code *}. */
    static boolean isValidRoomPattern(String room) {
        if (room == null) {
            return false;
        }
        if (room.equals(WILDCARD)) {
            return true;
        }
        String name = room.endsWith(WILDCARD) ? room.substring(0, room.length() - 1) : room;
        return ControlMessage.Join.isValidName(name);
    }

    /** Whether this token admits a JOIN of {@code roomName}. */
    public boolean grantsRoom(String roomName) {
        if (room.endsWith(WILDCARD)) {
            return roomName.startsWith(room.substring(0, room.length() - 1));
        }
        return room.equals(roomName);
    }
}
