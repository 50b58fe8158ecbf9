package io.kfrelay.cli;

import io.kfrelay.server.RelayServer;
import io.kfrelay.transport.quic.QuicListener;

import java.io.PrintWriter;

/** What {@code serve} says about its QUIC listener: where, and what clients pin. */
final class QuicListenerInfo {
    private QuicListenerInfo() {
    }

    static void print(PrintWriter out, RelayServer server) {
        QuicListener quic = server.quic();
        if (quic == null) {
            return;
        }
        out.printf("kfrelay serving %s (ALPN kfrelay, %s certificate)%n", quic.url(server.quicListen().host()),
                quic.tls().isSelfSigned() ? "self-signed" : "configured");
        out.printf("  certificate SHA-256 %s%n", quic.fingerprint());
        if (quic.tls().isSelfSigned()) {
            out.printf("  clients: --url quic://HOST:%d --pin %s%n", quic.address().getPort(), quic.fingerprint());
        }
    }
}
