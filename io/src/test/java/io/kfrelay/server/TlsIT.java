package io.kfrelay.server;

import io.kfrelay.client.CertificatePin;
import io.kfrelay.client.ClientListener;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.RelayConfig;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
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

    /** A self-signed EC certificate for 127.0.0.1 and localhost, written as PEM files. */
    record TestCertificate(Path certFile, Path keyFile, X509Certificate certificate) {
        static TestCertificate write(Path dir, String name) throws Exception {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256);
            KeyPair pair = generator.generateKeyPair();
            X500Name subject = new X500Name("CN=" + name);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject, pair.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            Path certFile = dir.resolve(name + ".crt");
            Path keyFile = dir.resolve(name + ".key");
            pem(certFile, cert);
            pem(keyFile, new JcaPKCS8Generator(pair.getPrivate(), null)); // "PRIVATE KEY", as openssl genpkey writes
            return new TestCertificate(certFile, keyFile, cert);
        }

        private static void pem(Path file, Object value) throws IOException {
            try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
                pem.writeObject(value);
            }
        }

        /** An HttpClient that trusts this certificate and nothing else. */
        HttpClient trustingClient() throws Exception {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("relay", certificate);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
        }
    }

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
