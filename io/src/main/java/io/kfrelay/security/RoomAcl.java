package io.kfrelay.security;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Per-room allow-lists of identities. A room with a list admits only the identities on it, proven by a token
 * when the relay has a secret (a JOIN without a token is refused there); a room without one admits anyone the
 * token (or the open mode) lets in. Checked at JOIN, after the token.
 */
public record RoomAcl(Map<String, Set<String>> allowed) {
    public static final RoomAcl NONE = new RoomAcl(Map.of());

    public RoomAcl {
        Map<String, Set<String>> copy = new LinkedHashMap<>();
        allowed.forEach((room, ids) -> copy.put(room, Set.copyOf(ids)));
        allowed = Map.copyOf(copy);
    }

    /**
     * Parses {@code room -> "id1, id2, ..."} entries (the config file's {@code room-acl.ROOM} keys): identities
     * are separated by commas, surrounding spaces are dropped, empty items ignored.
     *
     * @throws IllegalArgumentException if a room's list names no identity
     */
    public static RoomAcl parse(Map<String, String> entries) {
        Map<String, Set<String>> allowed = new LinkedHashMap<>();
        entries.forEach((room, list) -> {
            Set<String> ids = new java.util.LinkedHashSet<>();
            for (String id : list.split(",")) {
                if (!id.isBlank()) {
                    ids.add(id.strip());
                }
            }
            if (ids.isEmpty()) {
                throw new IllegalArgumentException("room-acl." + room.strip() + " lists no identity");
            }
            allowed.put(room.strip(), ids);
        });
        return new RoomAcl(allowed);
    }

    /** Whether {@code identity} may join {@code room}. */
    public boolean admits(String room, String identity) {
        Set<String> ids = allowed.get(room);
        return ids == null || ids.contains(identity);
    }

    /** Whether {@code room} has an allow-list. */
    public boolean lists(String room) {
        return allowed.containsKey(room);
    }

    public boolean isEmpty() {
        return allowed.isEmpty();
    }
}
