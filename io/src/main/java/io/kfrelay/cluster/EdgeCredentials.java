package io.kfrelay.cluster;

import io.kfrelay.transport.RoomPlacement;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.function.LongSupplier;

/**
 * The credential an edge relay joins a room's origin with, in the JOIN's token field instead of a user's token
 * (docs/CLUSTER.md, cascade): {@code kfrelay-edge.v1.NODE.EPOCH.EXPIRES.MAC}, where NODE is the edge's node id
 * (base64url), EPOCH the room epoch the edge believes current, EXPIRES unix milliseconds, and MAC the base64url
 * HMAC-SHA256 of {@code room \n node \n epoch \n expires} under the cluster's shared key ({@link ClusterStore#clusterKey}).
 * It names the room, so it cannot be replayed for another; it lives a minute, so a leaked one is soon useless. A user
 * token never starts with the prefix (it is a JWT).
 */
final class EdgeCredentials {
    static final String PREFIX = "kfrelay-edge.v1.";
    static final Duration LIFETIME = Duration.ofMinutes(1);

    private final SecretKeySpec key;
    private final LongSupplier wallMillis;

    EdgeCredentials(String base64Key, LongSupplier wallMillis) {
        this.key = new SecretKeySpec(Base64.getDecoder().decode(base64Key), "HmacSHA256");
        this.wallMillis = wallMillis;
    }

    static boolean isCredential(String token) {
        return token != null && token.startsWith(PREFIX);
    }

    /** A credential of edge {@code node} for {@code room} at {@code epoch}. */
    String issue(String room, String node, long epoch) {
        long expires = wallMillis.getAsLong() + LIFETIME.toMillis();
        return PREFIX + b64(node.getBytes(StandardCharsets.UTF_8)) + "." + epoch + "." + expires + "."
                + b64(mac(room, node, epoch, expires));
    }

    /** What {@code token} (a credential, {@link #isCredential}) says for {@code room}. */
    RoomPlacement.RelayJoin verify(String room, String token) {
        String[] parts = token.substring(PREFIX.length()).split("\\.", -1);
        if (parts.length != 4) {
            return new RoomPlacement.InvalidCredential("malformed cluster credential");
        }
        try {
            String node = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
            long epoch = Long.parseLong(parts[1]);
            long expires = Long.parseLong(parts[2]);
            byte[] given = Base64.getUrlDecoder().decode(parts[3]);
            if (!MessageDigest.isEqual(given, mac(room, node, epoch, expires))) {
                return new RoomPlacement.InvalidCredential("cluster credential does not verify for room '" + room
                        + "' (another cluster's key, or another room's credential)");
            }
            if (expires < wallMillis.getAsLong()) {
                return new RoomPlacement.InvalidCredential("cluster credential expired");
            }
            return new RoomPlacement.EdgeJoin(node, epoch);
        } catch (IllegalArgumentException e) {
            return new RoomPlacement.InvalidCredential("malformed cluster credential: " + e.getMessage());
        }
    }

    private byte[] mac(String room, String node, long epoch, long expires) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return m.doFinal((room + "\n" + node + "\n" + epoch + "\n" + expires).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
