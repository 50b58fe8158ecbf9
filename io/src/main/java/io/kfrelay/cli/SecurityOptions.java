package io.kfrelay.cli;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.security.RoomAcl;
import io.kfrelay.server.SecurityConfig;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code serve}'s security options (a picocli mixin): join tokens, room allow-lists and abuse limits
 * (docs/SECURITY.md). Environment and config file work for them as for every other option; the allow-list
 * also takes one config-file key per room, {@code room-acl.ROOM = id, id}.
 */
final class SecurityOptions {

    @Option(names = "--auth-secret", paramLabel = "SECRET", showDefaultValue = Visibility.NEVER,
            description = "HS256 secret join tokens are signed with (at least 32 bytes; prefer KFRELAY_AUTH_SECRET or the "
                    + "config file to the command line). It checks tokens without a kid. Without it, --auth-public-key "
                    + "and --auth-jwks the relay runs in OPEN DEVELOPMENT MODE: anyone may join any room as anyone, so it "
                    + "listens on loopback unless --ws-listen/--quic-listen name an address.")
    String authSecret;

    @Option(names = "--auth-public-key", paramLabel = "[KID=]FILE", split = "\\s*,\\s*", showDefaultValue = Visibility.NEVER,
            description = "A PEM public key tokens may be signed for (repeatable; comma-separated in the environment or "
                    + "config file): EC P-256 checks ES256 tokens, Ed25519 EdDSA tokens. A token's kid selects it: KID, or "
                    + "the file's name without its extension (backend-1.pem: backend-1).")
    List<String> authPublicKeys = new ArrayList<>();

    @Option(names = "--auth-jwks", paramLabel = "FILE|URL", showDefaultValue = Visibility.NEVER,
            description = "A JWKS of public keys (EC P-256, Ed25519, each with a kid) tokens may be signed for: a file, "
                    + "read again when it changes, or an https:// URL (http:// only to loopback), fetched again every "
                    + "--auth-jwks-refresh. A set that cannot be loaded keeps the last good one.")
    String authJwks;

    @Option(names = "--auth-jwks-refresh", paramLabel = "DURATION", defaultValue = "5m", converter = Converters.Time.class,
            description = "How often an --auth-jwks URL is fetched again (a shorter Cache-Control max-age, or a token "
                    + "with an unknown kid, brings it forward; not more than every 30 s). A file is checked every 5 s.")
    Duration authJwksRefresh;

    @Option(names = "--auth-clock-skew", paramLabel = "DURATION", defaultValue = "10s", converter = Converters.Time.class,
            description = "How far the token issuer's clock may be from the relay's: a token is refused after exp plus "
                    + "this, and before nbf minus this (both TOKEN_EXPIRED). At most 5m.")
    Duration authClockSkew;

    @Option(names = "--require-auth", defaultValue = "false", arity = "0..1", paramLabel = "BOOL",
            description = "Every JOIN must carry a valid token (needs --auth-secret, --auth-public-key or --auth-jwks). Without it, a JOIN without a "
                    + "token may only watch (subscribe, never publish), and not rooms with an allow-list.")
    boolean requireAuth;

    @Option(names = "--room-acl", paramLabel = "ROOM=ID[,ID...]", split = ServeDefaults.MAP_ENTRY_SPLIT,
            showDefaultValue = Visibility.NEVER,
            description = "Only these identities may join ROOM (repeatable). Config file: room-acl.ROOM = ID, ID.")
    Map<String, String> roomAcl = new LinkedHashMap<>();

    @Option(names = "--max-control-bytes", paramLabel = "SIZE", defaultValue = "8k", converter = Converters.IntBytes.class,
            description = "Largest control message a client may send (at least 4616, the largest valid JOIN); a bigger "
                    + "one is refused (TOO_LARGE).")
    int maxControlBytes;

    @Option(names = "--ingress-packet-rate", paramLabel = "N", defaultValue = "10000",
            description = "Messages per second one connection may send (burst: one second's worth); more are dropped "
                    + "and counted. 0: unlimited.")
    long ingressPacketRate;

    @Option(names = "--ingress-byte-rate", paramLabel = "SIZE", defaultValue = "16m", converter = Converters.Bytes.class,
            description = "Bytes per second one connection may send (at least --max-frame-bytes). 0: unlimited.")
    long ingressByteRate;

    @Option(names = "--rate-limit-grace", paramLabel = "DURATION", defaultValue = "5s", converter = Converters.Time.class,
            description = "A connection over its rate for this long without a second's pause is disconnected (RATE_LIMITED).")
    Duration rateLimitGrace;

    @Option(names = "--join-rate-per-address", paramLabel = "N", defaultValue = "100",
            description = "JOIN attempts per second from one source address (an IPv6 /64 counts as one); more are refused "
                    + "(TOO_MANY_JOINS). 0: unlimited.")
    int joinRatePerAddress;

    @Option(names = "--max-pending-per-address", paramLabel = "N", defaultValue = "128",
            description = "Connections from one source address (an IPv6 /64 counts as one) that have not joined yet; more "
                    + "are closed at once. 0: unlimited.")
    int maxPendingPerAddress;

    @Option(names = "--max-participants-per-room", paramLabel = "N", defaultValue = "1000",
            description = "Members one room may have; one more is refused (ROOM_FULL).")
    int maxParticipantsPerRoom;

    @Option(names = "--max-rooms", paramLabel = "N", defaultValue = "10000",
            description = "Rooms the relay may hold; a JOIN that would open one more is refused (TOO_MANY_ROOMS).")
    int maxRooms;

    /** The transport-side security configuration these options describe. */
    SecurityConfig securityConfig() {
        return SecurityConfig.builder()
                .authSecret(authSecret)
                .authPublicKeys(authPublicKeys)
                .authJwks(authJwks)
                .authJwksRefresh(authJwksRefresh)
                .authClockSkew(authClockSkew)
                .requireAuth(requireAuth)
                .roomAcl(RoomAcl.parse(roomAcl))
                .maxControlBytes(maxControlBytes)
                .ingressPacketsPerSecond(ingressPacketRate)
                .ingressBytesPerSecond(ingressByteRate)
                .rateLimitGrace(rateLimitGrace)
                .joinsPerSecondPerAddress(joinRatePerAddress)
                .maxPendingPerAddress(maxPendingPerAddress)
                .build();
    }

    /** The core's admission limits, onto the core configuration being built. */
    RelayConfig.Builder applyLimits(RelayConfig.Builder b) {
        return b.maxParticipantsPerRoom(maxParticipantsPerRoom).maxRooms(maxRooms);
    }
}
