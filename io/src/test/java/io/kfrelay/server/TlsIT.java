package io.kfrelay.server;

import io.kfrelay.client.CertificatePin;
import io.kfrelay.client.ClientListener;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.RelayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: with --tls-cert and --tls-key the WebSocket port serves https and wss with that certificate, QUIC presents the
 * same one, and the Java client reaches wss:// by pin (or insecure), never trusting a certificate it was not told
 * to. The certificate here is made for the test and trusted by the test's own HttpClient.
 */
@Timeout(60)
class TlsIT {
    private static final ClientListener NOTHING = new ClientListener() { };

    @TempDir
    Path tmp;

    private static RelayServer relay(TestCertificate cert) throws IOException {
        ServerConfig config = ServerConfig.builder().wsListen("127.0.0.1", 0).eventLoopThreads(1).webRoot("web-test")
                .tls(cert.certFile(), cert.keyFile()).build();
        return new RelayServer(config, RelayConfig.defaults())
                .withQuic(QuicConfig.builder().listen("127.0.0.1", 0).build()).start();
    }

    @Test
    void theWebSocketPortServesHttpsAndQuicPresentsTheSameCertificate() throws Exception {
        TestCertificate cert = TestCertificate.write(tmp, "relay");
        try (RelayServer relay = relay(cert); HttpClient https = cert.trustingClient()) {
            assertEquals("https://127.0.0.1:" + relay.wsPort() + "/", relay.webUrl());
            assertEquals("wss://127.0.0.1:" + relay.wsPort() + "/kfrelay", relay.wsUrl());
            HttpResponse<String> page = https.send(HttpRequest.newBuilder(URI.create(relay.webUrl() + "room")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("test room"), page.body());
            assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElseThrow());
            assertEquals(CertificatePin.of(cert.certificate()), relay.quic().fingerprint(), "one certificate, both listeners");
            assertEquals(CertificatePin.of(cert.certificate()), relay.tls().fingerprint());
        }
    }

    @Test
    void aWssClientJoinsByPinOrInsecureAndRefusesAnyOtherCertificate() throws Exception {
        TestCertificate cert = TestCertificate.write(tmp, "relay");
        TestCertificate other = TestCertificate.write(tmp, "other");
        try (RelayServer relay = relay(cert)) {
            URI wss = URI.create("wss://127.0.0.1:" + relay.wsPort() + "/kfrelay");
            ClientOptions base = ClientOptions.defaults();
            for (ClientOptions trusting : new ClientOptions[] {
                    base.toBuilder().quic(base.quic().withPin(CertificatePin.of(cert.certificate()))).build(),
                    base.toBuilder().quic(base.quic().withInsecure()).build()}) {
                try (KfRelayClient c = KfRelayClient.connect(wss, trusting, NOTHING).get(10, TimeUnit.SECONDS)) {
                    assertTrue(c.join("tls-it", "wss", "").get(5, TimeUnit.SECONDS).participantId() > 0);
                }
            }
            ClientOptions wrongPin = base.toBuilder().quic(base.quic().withPin(CertificatePin.of(other.certificate()))).build();
            assertThrows(ExecutionException.class, () -> KfRelayClient.connect(wss, wrongPin, NOTHING).get(10, TimeUnit.SECONDS));
            // The JVM's trusted roots do not include a test certificate.
            assertThrows(ExecutionException.class, () -> KfRelayClient.connect(wss, base, NOTHING).get(10, TimeUnit.SECONDS));
            // Nor is the port plain WebSocket any more.
            assertThrows(ExecutionException.class, () -> KfRelayClient.connect(
                    URI.create("ws://127.0.0.1:" + relay.wsPort()), base, NOTHING).get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aKeyThatIsNotTheCertificatesStopsStartUp() throws Exception {
        TestCertificate cert = TestCertificate.write(tmp, "relay");
        TestCertificate other = TestCertificate.write(tmp, "other");
        ServerConfig mismatched = ServerConfig.builder().wsListen("127.0.0.1", 0).eventLoopThreads(1)
                .tls(cert.certFile(), other.keyFile()).build();
        IOException e = assertThrows(IOException.class, () -> new RelayServer(mismatched, RelayConfig.defaults()).start());
        assertTrue(e.getMessage().contains("is not the private key"), e.getMessage());
        ServerConfig missing = mismatched.toBuilder().tls(tmp.resolve("none.crt"), cert.keyFile()).build();
        e = assertThrows(IOException.class, () -> new RelayServer(missing, RelayConfig.defaults()).start());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
