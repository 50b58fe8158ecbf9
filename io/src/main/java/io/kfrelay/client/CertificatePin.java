package io.kfrelay.client;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The SHA-256 fingerprint of a relay's certificate (of its DER encoding, as {@code openssl x509 -fingerprint
 * -sha256} prints it). A client that pins it trusts exactly that certificate, whoever signed it: the way to reach
 * a relay with a self-signed certificate safely. Written as 64 hex digits, colons between bytes optional.
 */
public record CertificatePin(byte[] sha256) {

    public CertificatePin {
        if (sha256 == null || sha256.length != 32) {
            throw new IllegalArgumentException("a SHA-256 fingerprint is 32 bytes");
        }
        sha256 = sha256.clone();
    }

    /** Parses 64 hex digits, with or without colons ({@code AB:CD:...} or {@code abcd...}). */
    public static CertificatePin parse(String text) {
        String hex = text.trim().replace(":", "").toLowerCase(Locale.ROOT);
        if (hex.length() != 64 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("'" + text + "' is not a SHA-256 fingerprint: expected 64 hex digits "
                    + "(colons between bytes allowed), as the relay logs it at start-up");
        }
        return new CertificatePin(HexFormat.of().parseHex(hex));
    }

    public static CertificatePin of(X509Certificate certificate) {
        try {
            return new CertificatePin(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint a certificate", e);
        }
    }

    public boolean matches(X509Certificate certificate) {
        return MessageDigest.isEqual(sha256, of(certificate).sha256);
    }

    @Override
    public byte[] sha256() {
        return sha256.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CertificatePin p && MessageDigest.isEqual(sha256, p.sha256);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(sha256);
    }

    /** {@code AB:CD:...}, 32 upper-case hex pairs. */
    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(sha256);
    }
}
