package io.kfrelay.admin;

import io.kfrelay.server.ListenAddress;

/**
 * The admin HTTP server's settings.
 *
 * @param listen        where it binds; null disables the admin server altogether. Default
 *                      {@code 127.0.0.1:9090}: only this machine can reach it unless told otherwise
 * @param token         the bearer token every {@code /api/} call must carry ({@code Authorization: Bearer TOKEN});
 *                      null: the API is open to whoever can reach the port. {@code /healthz}, {@code /readyz} and
 *                      {@code /metrics} never need it (probes and Prometheus)
 * @param authRequired  the relay runs with authentication on: then a token is mandatory
 */
public record AdminConfig(ListenAddress listen, String token, boolean authRequired) {
    public static final ListenAddress DEFAULT_LISTEN = new ListenAddress("127.0.0.1", 9090);
    /** Short tokens are guessable over a network; 16 characters of a random string are not. */
    public static final int MIN_TOKEN_LENGTH = 16;

    public AdminConfig {
        if (token != null) {
            if (token.length() < MIN_TOKEN_LENGTH || token.chars().anyMatch(c -> c <= ' ' || c >= 0x7F)) {
                throw new IllegalArgumentException("admin-token must be at least " + MIN_TOKEN_LENGTH
                        + " printable ASCII characters without spaces");
            }
        }
        if (authRequired && listen != null && token == null) {
            throw new IllegalArgumentException("admin-token is required when require-auth is on "
                    + "(or turn the admin server off with --admin-listen off)");
        }
    }

    /** On the default address, no token. */
    public static AdminConfig defaults() {
        return new AdminConfig(DEFAULT_LISTEN, null, false);
    }

    /** No admin server. */
    public static AdminConfig disabled() {
        return new AdminConfig(null, null, false);
    }

    public boolean enabled() {
        return listen != null;
    }

    public AdminConfig withListen(ListenAddress listen) {
        return new AdminConfig(listen, token, authRequired);
    }

    public AdminConfig withToken(String token) {
        return new AdminConfig(listen, token, authRequired);
    }
}
