package io.kfrelay.transport.quic;

import io.kfrelay.client.CertificatePin;
import io.kfrelay.server.QuicConfig;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * The relay's TLS 1.3 identity for QUIC: a certificate and key from PEM files, or a self-signed one made in
 * memory at start-up (EC P-256, valid for a year, names localhost, 127.0.0.1 and ::1). Either way clients can pin
 * its {@link #fingerprint()}.
 */
public final class ServerTls {
    private static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(365);

    private final QuicSslContextBuilder builder;
    private final X509Certificate leaf;
    private final boolean selfSigned;

    private ServerTls(QuicSslContextBuilder builder, X509Certificate leaf, boolean selfSigned) {
        this.builder = builder;
        this.leaf = leaf;
        this.selfSigned = selfSigned;
    }

    /** From the config: its files, or a fresh self-signed certificate. */
    public static ServerTls of(QuicConfig config) throws IOException {
        return config.selfSigned() ? selfSigned() : fromFiles(config.certFile(), config.keyFile());
    }

    /** A PEM certificate chain (leaf first) and its PEM (PKCS#8) private key. */
    public static ServerTls fromFiles(Path certFile, Path keyFile) throws IOException {
        X509Certificate leaf;
        try (InputStream in = Files.newInputStream(certFile)) {
            Certificate first = CertificateFactory.getInstance("X.509").generateCertificates(in).stream().findFirst()
                    .orElseThrow(() -> new IOException("tls-cert " + certFile + " holds no certificate"));
            leaf = (X509Certificate) first;
        } catch (NoSuchFileException e) {
            throw new IOException("tls-cert " + certFile + " does not exist", e);
        } catch (CertificateException e) {
            throw new IOException("tls-cert " + certFile + " is not a PEM certificate: " + e.getMessage(), e);
        }
        if (!Files.isReadable(keyFile)) {
            throw new IOException("tls-key " + keyFile + " does not exist or cannot be read");
        }
        try {
            return new ServerTls(QuicSslContextBuilder.forServer(keyFile.toFile(), null, certFile.toFile()), leaf, false);
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot use tls-cert " + certFile + " with tls-key " + keyFile + ": " + e.getMessage(), e);
        }
    }

    /** A new self-signed certificate, made in memory. */
    public static ServerTls selfSigned() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256, new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            X500Name name = new X500Name("CN=kfrelay self-signed");
            Instant now = Instant.now();
            X509v3CertificateBuilder cert = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(SELF_SIGNED_VALIDITY)), name,
                    pair.getPublic());
            cert.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, "::1")}));
            X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(
                    cert.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return new ServerTls(QuicSslContextBuilder.forServer(pair.getPrivate(), null, leaf), leaf, true);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** The server's QUIC TLS context, offering ALPN {@value QuicConfig#ALPN} only. */
    public QuicSslContext sslContext() {
        return builder.applicationProtocols(QuicConfig.ALPN).build();
    }

    public X509Certificate certificate() {
        return leaf;
    }

    public CertificatePin fingerprint() {
        return CertificatePin.of(leaf);
    }

    public boolean isSelfSigned() {
        return selfSigned;
    }
}
