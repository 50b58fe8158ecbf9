package io.kfrelay.server;

import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.security.JoinTokens;
import io.kfrelay.security.RoomAcl;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Who may join and how much any one connection may cost: join tokens, room allow-lists and the transport's
 * abuse limits (docs/SECURITY.md). Given to {@link RelayServer#withSecurity}; every transport applies it.
 * A rate or count of 0 means unlimited.
 *
 * @param authSecret               HS256 secret join tokens are signed with (at least 32 bytes); null: none
 * @param authPublicKeys           public keys (PEM files, EC P-256 or Ed25519) tokens may be signed for, each
 *                                 {@code [KID=]FILE} (kid: KID, or the file's name without its extension)
 * @param authJwks                 a JWKS file or URL of more public keys, reloaded on change; null: none. With no
 *                                 secret, no public key and no JWKS tokens are not checked (open development mode)
 * @param authJwksRefresh          how often a JWKS URL is fetched again (a file is polled every 5 s); default 5 min
 * @param authClockSkew            tolerated difference between the issuer's clock and the relay's on {@code exp} and
 *                                 {@code nbf}; default 10 s
 * @param requireAuth              every JOIN must carry a valid token; without it a JOIN with no token may only
 *                                 watch (subscribe) rooms without an allow-list, and one with a token must still
 *                                 pass it (see {@link io.kfrelay.security.JoinAuthorizer})
 * @param roomAcl                  per-room identity allow-lists
 * @param maxControlBytes          largest control message (anything but media) a client may send; default 8 KiB
 *                                 (the largest valid JOIN, 4616 bytes, must fit)
 * @param ingressPacketsPerSecond  messages one connection may send per second (burst: one second's worth);
 *                                 beyond it they are dropped and counted. Default 10000
 * @param ingressBytesPerSecond    the same in bytes; default 16 MiB
 * @param rateLimitGrace           a connection that keeps exceeding its rate this long (drops less than 1 s
 *                                 apart) is disconnected with RATE_LIMITED; default 5 s
 * @param joinsPerSecondPerAddress JOIN attempts per second from one source address (burst: one second's
 *                                 worth); beyond it TOO_MANY_JOINS. Default 100
 * @param maxPendingPerAddress     connections from one source address that have not joined yet; one more is
 *                                 closed at once. Default 128
 */
public record SecurityConfig(
        String authSecret,
        List<String> authPublicKeys,
        String authJwks,
        Duration authJwksRefresh,
        Duration authClockSkew,
        boolean requireAuth,
        RoomAcl roomAcl,
        int maxControlBytes,
        long ingressPacketsPerSecond,
        long ingressBytesPerSecond,
        Duration rateLimitGrace,
        int joinsPerSecondPerAddress,
        int maxPendingPerAddress) {

    /** The largest valid JOIN: room and identity of 256 bytes and a token of 4096, with their lengths. */
    public static final int MIN_CONTROL_BYTES = 2 + 2 + ControlMessage.Join.MAX_NAME_BYTES
            + 2 + ControlMessage.Join.MAX_NAME_BYTES + 2 + Protocol.MAX_STRING_BYTES;
    public static final int DEFAULT_MAX_CONTROL_BYTES = 8 * 1024;
    public static final long DEFAULT_INGRESS_PACKETS_PER_SECOND = 10_000;
    public static final long DEFAULT_INGRESS_BYTES_PER_SECOND = 16L * 1024 * 1024;
    public static final Duration DEFAULT_RATE_LIMIT_GRACE = Duration.ofSeconds(5);
    public static final int DEFAULT_JOINS_PER_SECOND_PER_ADDRESS = 100;
    public static final int DEFAULT_MAX_PENDING_PER_ADDRESS = 128;
    public static final Duration DEFAULT_AUTH_JWKS_REFRESH = Duration.ofMinutes(5);
    public static final Duration DEFAULT_AUTH_CLOCK_SKEW = Duration.ofSeconds(JoinTokens.CLOCK_SKEW_SECONDS);
    /** More skew than this would make short-lived tokens meaningless. */
    public static final Duration MAX_AUTH_CLOCK_SKEW = Duration.ofMinutes(5);

    public SecurityConfig {
        Objects.requireNonNull(roomAcl, "roomAcl");
        if (authSecret != null && authSecret.isEmpty()) {
            authSecret = null;
        }
        authPublicKeys = authPublicKeys == null ? List.of() : List.copyOf(authPublicKeys);
        if (authJwks != null && authJwks.isEmpty()) {
            authJwks = null;
        }
        require(authSecret == null || authSecret.getBytes(StandardCharsets.UTF_8).length >= JoinTokens.minSecretBytes(),
                "auth-secret must be at least " + JoinTokens.minSecretBytes() + " bytes (HS256 needs a 256-bit key)");
        require(!requireAuth || authSecret != null || !authPublicKeys.isEmpty() || authJwks != null,
                "require-auth needs an auth-secret (or auth-public-key, auth-jwks) to check tokens with");
        require(authJwksRefresh != null && authJwksRefresh.isPositive(), "auth-jwks-refresh must be positive");
        require(authClockSkew != null && !authClockSkew.isNegative() && authClockSkew.compareTo(MAX_AUTH_CLOCK_SKEW) <= 0,
                "auth-clock-skew must be between 0 and " + MAX_AUTH_CLOCK_SKEW.toMinutes() + " minutes");
        require(maxControlBytes >= MIN_CONTROL_BYTES,
                "max-control-bytes must be at least " + MIN_CONTROL_BYTES + " (the largest valid JOIN), was " + maxControlBytes);
        require(ingressPacketsPerSecond >= 0, "ingress-packet-rate must be >= 0 (0: unlimited)");
        require(ingressBytesPerSecond == 0 || ingressBytesPerSecond >= 64 * 1024,
                "ingress-byte-rate must be 0 (unlimited) or at least 64 KiB per second, was " + ingressBytesPerSecond);
        require(rateLimitGrace != null && rateLimitGrace.isPositive(), "rate-limit-grace must be positive");
        require(joinsPerSecondPerAddress >= 0, "join-rate-per-address must be >= 0 (0: unlimited)");
        require(maxPendingPerAddress >= 0, "max-pending-per-address must be >= 0 (0: unlimited)");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Whether join tokens are checked at all (a secret, a public key or a JWKS is configured). */
    public boolean tokensEnabled() {
        return authSecret != null || !authPublicKeys.isEmpty() || authJwks != null;
    }

    /** The secret is never printed. */
    @Override
    public String toString() {
        return "SecurityConfig[authSecret=" + (authSecret == null ? "none" : "(set)") + ", authPublicKeys=" + authPublicKeys
                + ", authJwks=" + authJwks + ", authJwksRefresh=" + authJwksRefresh + ", authClockSkew=" + authClockSkew
                + ", requireAuth=" + requireAuth
                + ", roomAcl=" + roomAcl.allowed().keySet() + ", maxControlBytes=" + maxControlBytes
                + ", ingressPacketsPerSecond=" + ingressPacketsPerSecond + ", ingressBytesPerSecond=" + ingressBytesPerSecond
                + ", rateLimitGrace=" + rateLimitGrace + ", joinsPerSecondPerAddress=" + joinsPerSecondPerAddress
                + ", maxPendingPerAddress=" + maxPendingPerAddress + "]";
    }

    /** Open mode (no tokens) with the default limits. */
    public static SecurityConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Mutable builder starting from the defaults; every setter returns this. */
    public static final class Builder {
        private String authSecret;
        private List<String> authPublicKeys = List.of();
        private String authJwks;
        private Duration authJwksRefresh = DEFAULT_AUTH_JWKS_REFRESH;
        private Duration authClockSkew = DEFAULT_AUTH_CLOCK_SKEW;
        private boolean requireAuth;
        private RoomAcl roomAcl = RoomAcl.NONE;
        private int maxControlBytes = DEFAULT_MAX_CONTROL_BYTES;
        private long ingressPacketsPerSecond = DEFAULT_INGRESS_PACKETS_PER_SECOND;
        private long ingressBytesPerSecond = DEFAULT_INGRESS_BYTES_PER_SECOND;
        private Duration rateLimitGrace = DEFAULT_RATE_LIMIT_GRACE;
        private int joinsPerSecondPerAddress = DEFAULT_JOINS_PER_SECOND_PER_ADDRESS;
        private int maxPendingPerAddress = DEFAULT_MAX_PENDING_PER_ADDRESS;

        private Builder() {
        }

        private Builder(SecurityConfig c) {
            authSecret = c.authSecret;
            authPublicKeys = c.authPublicKeys;
            authJwks = c.authJwks;
            authJwksRefresh = c.authJwksRefresh;
            authClockSkew = c.authClockSkew;
            requireAuth = c.requireAuth;
            roomAcl = c.roomAcl;
            maxControlBytes = c.maxControlBytes;
            ingressPacketsPerSecond = c.ingressPacketsPerSecond;
            ingressBytesPerSecond = c.ingressBytesPerSecond;
            rateLimitGrace = c.rateLimitGrace;
            joinsPerSecondPerAddress = c.joinsPerSecondPerAddress;
            maxPendingPerAddress = c.maxPendingPerAddress;
        }

        public Builder authSecret(String v) { authSecret = v; return this; }
        public Builder authPublicKeys(List<String> v) { authPublicKeys = v; return this; }
        public Builder authJwks(String v) { authJwks = v; return this; }
        public Builder authJwksRefresh(Duration v) { authJwksRefresh = v; return this; }
        public Builder authClockSkew(Duration v) { authClockSkew = v; return this; }
        public Builder requireAuth(boolean v) { requireAuth = v; return this; }
        public Builder roomAcl(RoomAcl v) { roomAcl = v; return this; }
        public Builder maxControlBytes(int v) { maxControlBytes = v; return this; }
        public Builder ingressPacketsPerSecond(long v) { ingressPacketsPerSecond = v; return this; }
        public Builder ingressBytesPerSecond(long v) { ingressBytesPerSecond = v; return this; }
        public Builder rateLimitGrace(Duration v) { rateLimitGrace = v; return this; }
        public Builder joinsPerSecondPerAddress(int v) { joinsPerSecondPerAddress = v; return this; }
        public Builder maxPendingPerAddress(int v) { maxPendingPerAddress = v; return this; }

        public SecurityConfig build() {
            return new SecurityConfig(authSecret, authPublicKeys, authJwks, authJwksRefresh, authClockSkew, requireAuth, roomAcl, maxControlBytes, ingressPacketsPerSecond,
                    ingressBytesPerSecond, rateLimitGrace, joinsPerSecondPerAddress, maxPendingPerAddress);
        }
    }
}
