package io.kfrelay.security;

import io.kfrelay.server.ListenAddress;
import io.kfrelay.server.SecurityConfig;
import io.kfrelay.security.SecurityMetrics.Counter;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The relay's admission control, shared by every transport: it admits connections (per-address limit of
 * connections not yet joined), decides JOINs (per-address JOIN rate, token, room allow-list) and hands each
 * connection its {@link ConnectionGuard} with an ingress rate budget. Counts every refusal in
 * {@link #metrics()}. Thread-safe.
 */
public final class SecurityGate implements AutoCloseable {
    private final SecurityConfig config;
    private final JoinAuthorizer authorizer;
    private final AddressJoinLimiter joins;
    private final PendingConnections pending;
    private final SecurityMetrics metrics = new SecurityMetrics();
    private final LongSupplier nanoTime;

    /**
     * @param maxMessageBytes the largest message the transport accepts: the byte rate must let one through
     * @throws IllegalArgumentException if the byte rate could never admit a message of that size
     */
    public SecurityGate(SecurityConfig config, int maxMessageBytes) {
        this(config, maxMessageBytes, new JoinAuthorizer(config), System::nanoTime);
    }

    SecurityGate(SecurityConfig config, int maxMessageBytes, JoinAuthorizer authorizer, LongSupplier nanoTime) {
        if (config.ingressBytesPerSecond() != 0 && config.ingressBytesPerSecond() < maxMessageBytes) {
            throw new IllegalArgumentException("ingress-byte-rate (" + config.ingressBytesPerSecond()
                    + ") must be at least max-frame-bytes (" + maxMessageBytes + "), or no full-size message could pass");
        }
        this.config = config;
        this.authorizer = authorizer;
        this.joins = new AddressJoinLimiter(config.joinsPerSecondPerAddress());
        this.pending = new PendingConnections(config.maxPendingPerAddress());
        this.nanoTime = nanoTime;
    }

    /** No tokens, no limits beyond the defaults: what a server gets unless told otherwise. */
    public static SecurityGate defaults(int maxMessageBytes) {
        return new SecurityGate(SecurityConfig.defaults(), maxMessageBytes);
    }

    /**
     * A new connection from {@code remote}: its guard, or null if its address (IPv4 address or IPv6 /64, see
     * {@link AddressKey}) already has the maximum of connections that have not joined (counted; the transport
     * closes it at once).
     */
    public ConnectionGuard open(SocketAddress remote) {
        Long address = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? AddressKey.of(inet.getAddress()) : null; // boxed once here, reused by every table lookup
        if (!pending.tryOpen(address)) {
            metrics.increment(Counter.CONNECTIONS_REFUSED);
            return null;
        }
        return new ConnectionGuard(this, address, new IngressLimiter(config.ingressPacketsPerSecond(),
                config.ingressBytesPerSecond(), config.rateLimitGrace().toNanos(), nanoTime.getAsLong()));
    }

    /** The JOIN of a connection from {@code address}: rate, then token and allow-list. Counted either way. */
    JoinDecision decide(Long address, String room, String identity, String token) {
        JoinDecision d;
        if (!joins.tryJoin(address, nanoTime.getAsLong())) {
            d = new JoinDecision.Refuse(io.kfrelay.protocol.ErrorCodes.TOO_MANY_JOINS, "more than "
                    + config.joinsPerSecondPerAddress() + " JOIN attempts per second from this address");
        } else {
            d = authorizer.authorize(room, identity, token);
        }
        switch (d) {
            case JoinDecision.Refuse r -> metrics.countRefusal(r.code());
            case JoinDecision.Admit a -> metrics.increment(token.isEmpty() || authorizer.mode() == JoinAuthorizer.Mode.OPEN
                    ? Counter.JOINS_WITHOUT_TOKEN : Counter.JOINS_WITH_TOKEN);
        }
        return d;
    }

    void doneWaiting(Long address) {
        pending.done(address);
    }

    long nanoTime() {
        return nanoTime.getAsLong();
    }

    public int maxControlBytes() {
        return config.maxControlBytes();
    }

    public JoinAuthorizer.Mode mode() {
        return authorizer.mode();
    }

    public SecurityConfig config() {
        return config;
    }

    public SecurityMetrics metrics() {
        return metrics;
    }

    /** Stops what the token keys run in the background (a JWKS being watched). Idempotent. */
    @Override
    public void close() {
        authorizer.close();
    }

    /**
     * What an operator must be told at start-up about this mode, given the addresses the relay's client listeners
     * are bound to; null when tokens are required. In open mode the warning says whether the relay is reachable from
     * other machines: on loopback only (the default without a secret, {@code ListenPolicy}), or, loudly, on an
     * address the operator named that is not loopback (every interface included).
     */
    public String startupWarning(List<InetSocketAddress> listeners) {
        return switch (authorizer.mode()) {
            case OPEN -> {
                List<String> exposed = listeners.stream().filter(a -> !a.getAddress().isLoopbackAddress())
                        .map(SecurityGate::shown).toList();
                yield exposed.isEmpty()
                        ? "WARNING: no --auth-secret: OPEN DEVELOPMENT MODE, on loopback only. Anyone on this machine may "
                                + "join any room as anyone; other machines cannot connect. To serve them, set --auth-secret "
                                + "(the relay then listens on every interface)."
                        : "WARNING: OPEN DEVELOPMENT MODE ON A PUBLIC ADDRESS: no --auth-secret, yet listening on "
                                + String.join("; ", exposed) + ".\n"
                                + "WARNING: anyone who can reach it may join any room as anyone, publish and subscribe.\n"
                                + "WARNING: set --auth-secret and --require-auth, or listen on loopback (name no "
                                + "--ws-listen/--quic-listen, or 127.0.0.1).";
            }
            case TOKENS_OPTIONAL -> "WARNING: " + (config.authSecret() != null ? "--auth-secret"
                    : "--auth-public-key/--auth-jwks") + " without --require-auth: a JOIN without a token may watch any room "
                    + "that has no allow-list (subscribe only, never publish). Add --require-auth to make tokens mandatory.";
            case TOKENS_REQUIRED -> null;
        };
    }

    /** A bound address as an operator reads it: the wildcard (0.0.0.0, or :: on a dual-stack socket) in words. */
    private static String shown(InetSocketAddress a) {
        return a.getAddress().isAnyLocalAddress() ? "every interface, port " + a.getPort()
                : new ListenAddress(a.getAddress().getHostAddress(), a.getPort()).toString();
    }
}
