package io.kfrelay.transport;

import io.kfrelay.client.CertificatePin;
import io.kfrelay.server.TlsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec: the relay's certificate is read once, in the PEM forms openssl writes, and refused early when unusable. */
class ServerTlsTest {
    @TempDir
    Path tmp;

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(ServerTlsTest.class.getClassLoader().getResource("tls/" + name).toURI());
    }

    @Test
    void traditionalEcAndRsaKeysAsOpensslWritesThemAreRead() throws Exception {
        for (String kind : new String[] {"ec", "rsa"}) {
            ServerTls tls = ServerTls.fromFiles(fixture("openssl-" + kind + ".crt"), fixture("openssl-" + kind + ".key"));
            assertFalse(tls.isSelfSigned(), "configured, however it was signed");
            assertNotNull(tls.tcpContext(), kind);
            assertNotNull(tls.quicContext(), kind);
            assertEquals(CertificatePin.of(tls.certificate()), tls.fingerprint());
        }
    }

    @Test
    void noConfiguredCertificateIsNone() throws IOException {
        assertNull(ServerTls.of(TlsConfig.NONE));
        assertTrue(ServerTls.selfSigned().isSelfSigned());
    }

    @Test
    void unusableFilesAreRefusedWithTheirOptionsName() throws Exception {
        Path ecCert = fixture("openssl-ec.crt");
        Path rsaKey = fixture("openssl-rsa.key");
        assertMessage("is not the private key", () -> ServerTls.fromFiles(ecCert, rsaKey));
        assertMessage("tls-cert", () -> ServerTls.fromFiles(tmp.resolve("missing.crt"), rsaKey));
        assertMessage("tls-key", () -> ServerTls.fromFiles(ecCert, tmp.resolve("missing.key")));
        Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "not pem at all\n");
        assertMessage("tls-key", () -> ServerTls.fromFiles(ecCert, garbage));
        assertMessage("tls-cert", () -> ServerTls.fromFiles(garbage, fixture("openssl-ec.key")));
        assertMessage("tls-key", () -> ServerTls.fromFiles(ecCert, ecCert)); // a certificate is not a key
    }

    @Test
    void certAndKeyGoTogether() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TlsConfig(Path.of("a.crt"), null));
        assertTrue(e.getMessage().contains("tls-key"), e.getMessage());
        assertFalse(TlsConfig.NONE.enabled());
        assertTrue(new TlsConfig(Path.of("a.crt"), Path.of("a.key")).enabled());
    }

    private interface Load {
        void run() throws Exception;
    }

    private static void assertMessage(String part, Load load) {
        IOException e = assertThrows(IOException.class, load::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
