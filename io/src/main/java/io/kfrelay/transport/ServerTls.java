package io.kfrelay.transport;

import io.kfrelay.client.CertificatePin;
import io.kfrelay.server.QuicConfig;
import io.kfrelay.server.TlsConfig;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * The relay's TLS identity, shared by its listeners: a certificate chain and key read from PEM files once at start-up
 * ({@link TlsConfig}), or a self-signed one made in memory (EC P-256, valid for a year, names localhost, 127.0.0.1 and
 * ::1) for QUIC when none is configured. Either way clients can pin its {@link #fingerprint()}.
 */
public final class ServerTls {
    private static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(365);

    private final PrivateKey key;
    private final List<X509Certificate> chain;
    private final boolean selfSigned;

    private ServerTls(PrivateKey key, List<X509Certificate> chain, boolean selfSigned) {
        this.key = key;
        this.chain = List.copyOf(chain);
        this.selfSigned = selfSigned;
    }

    /** The configured identity, or null when {@code config} names none. */
    public static ServerTls of(TlsConfig config) throws IOException {
        return config.enabled() ? fromFiles(config.certFile(), config.keyFile()) : null;
    }

    /** A PEM certificate chain (leaf first) and its PEM private key; refused unless the key is the leaf's. */
    public static ServerTls fromFiles(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain;
        try (InputStream in = Files.newInputStream(certFile)) {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toList();
        } catch (NoSuchFileException e) {
            throw new IOException("tls-cert " + certFile + " does not exist", e);
        } catch (CertificateException e) {
            throw new IOException("tls-cert " + certFile + " is not a PEM certificate: " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IOException("tls-cert " + certFile + " holds no certificate");
        }
        PrivateKey key = readKey(keyFile);
        if (!belongTogether(key, chain.getFirst())) {
            throw new IOException("tls-key " + keyFile + " is not the private key of tls-cert " + certFile);
        }
        return new ServerTls(key, chain, false);
    }

    private static PrivateKey readKey(Path keyFile) throws IOException {
        Object pem;
        try (Reader in = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(in)) {
            pem = parser.readObject();
        } catch (NoSuchFileException e) {
            throw new IOException("tls-key " + keyFile + " does not exist", e);
        } catch (IOException | RuntimeException e) {
            throw new IOException("tls-key " + keyFile + " is not a PEM private key: " + e.getMessage(), e);
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            return switch (pem) {
                case PrivateKeyInfo info -> converter.getPrivateKey(info); // PKCS#8 "PRIVATE KEY"
                // "EC PRIVATE KEY", "RSA PRIVATE KEY": the public half is optional in the file, so only the private.
                case PEMKeyPair pair -> converter.getPrivateKey(pair.getPrivateKeyInfo());
                case null -> throw new IOException("tls-key " + keyFile + " holds no PEM private key");
                default -> throw new IOException("tls-key " + keyFile + " holds a " + pem.getClass().getSimpleName()
                        + ", not an unencrypted private key");
            };
        } catch (PEMException e) {
            throw new IOException("tls-key " + keyFile + " cannot be used: " + e.getMessage(), e);
        }
    }

    /**
     * Whether {@code key} signs what the certificate's public key verifies: a mismatched pair would otherwise only
     * show at the first handshake, as a failure every client reports differently.
     */
    private static boolean belongTogether(PrivateKey key, X509Certificate leaf) throws IOException {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return true; // no check for this kind of key: the handshake will tell
        }
        try {
            byte[] probe = "kfrelay tls key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
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
            return new ServerTls(pair.getPrivate(), List.of(leaf), true);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** The QUIC listener's TLS 1.3 context, offering ALPN {@value QuicConfig#ALPN} only. */
    public QuicSslContext quicContext() {
        return QuicSslContextBuilder.forServer(key, null, chain.toArray(X509Certificate[]::new))
                .applicationProtocols(QuicConfig.ALPN).build();
    }

    /**
     * The WebSocket port's context (https and wss): the JDK's TLS (netty-tcnative is not on the class path), TLS 1.3
     * and 1.2 only, no ALPN (browsers then speak HTTP/1.1, which the WebSocket upgrade needs anyway).
     */
    public SslContext tcpContext() {
        try {
            return SslContextBuilder.forServer(key, chain).sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2").build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException("cannot build the WebSocket port's TLS context: " + e.getMessage(), e);
        }
    }

    public X509Certificate certificate() {
        return chain.getFirst();
    }

    public CertificatePin fingerprint() {
        return CertificatePin.of(certificate());
    }

    public boolean isSelfSigned() {
        return selfSigned;
    }
}
