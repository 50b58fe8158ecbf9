package io.kfrelay.server;

import java.nio.file.Path;

/**
 * The relay's TLS identity, one for every listener: a PEM certificate chain and its private key, or neither.
 *
 * <p>With both, the WebSocket port serves {@code https://} and {@code wss://} and the QUIC listener presents the same
 * certificate. With neither, the WebSocket port stays plain {@code http://}/{@code ws://} (fine on loopback, where
 * browsers count {@code http://localhost} as a secure context) and QUIC, which cannot run without TLS, makes a
 * self-signed certificate at start-up whose fingerprint clients pin.
 *
 * @param certFile PEM certificate chain, leaf first; null for none
 * @param keyFile  PEM private key of the leaf (PKCS#8, or the traditional EC/RSA forms); null for none
 */
public record TlsConfig(Path certFile, Path keyFile) {
    /** No certificate: plain WebSocket, self-signed QUIC. */
    public static final TlsConfig NONE = new TlsConfig(null, null);

    public TlsConfig {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException(
                    "tls-cert and tls-key go together: give both, or neither (plain ws://, self-signed QUIC)");
        }
    }

    /** Whether a certificate is configured (then the WebSocket port speaks TLS). */
    public boolean enabled() {
        return certFile != null;
    }
}
