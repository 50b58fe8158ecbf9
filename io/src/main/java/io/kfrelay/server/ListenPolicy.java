package io.kfrelay.server;

/**
 * Where the relay's client listeners (WebSocket, QUIC) bind when the operator names no address: the one place
 * that decides it (docs/SECURITY.md, "Where the relay listens").
 *
 * <p>Without an auth secret anyone who reaches the relay may join any room as anyone, so a listener without a
 * named address binds loopback, and such a relay serves this machine only until told otherwise. With a secret,
 * tokens decide who joins, and a listener without a named address binds every interface. A named address (a
 * {@code serve} option, its environment variable or its config-file key; {@link ServerConfig#wsListen},
 * {@link QuicConfig#listen} for an embedder) is always used as named, also a public one without a secret: then
 * start-up says so loudly ({@link io.kfrelay.security.SecurityGate#startupWarning}). The admin server is not a
 * client listener: it is on loopback unless named, whatever the mode ({@code AdminConfig}).
 */
public final class ListenPolicy {
    public static final int DEFAULT_WS_PORT = 8080;
    public static final int DEFAULT_QUIC_PORT = 4433;
    /** Where an unnamed listener binds without an auth secret. */
    public static final String LOOPBACK = "127.0.0.1";
    /** Where an unnamed listener binds with an auth secret. */
    public static final String EVERY_INTERFACE = "0.0.0.0";

    private ListenPolicy() {
    }

    /** {@code named} when the operator named an address, else the default host of {@code security} on {@code defaultPort}. */
    public static ListenAddress resolve(ListenAddress named, int defaultPort, SecurityConfig security) {
        if (named != null) {
            return named;
        }
        return new ListenAddress(security.tokensEnabled() ? EVERY_INTERFACE : LOOPBACK, defaultPort);
    }
}
