package io.kfrelay.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the EC P-256 and Ed25519 keys of join tokens from PEM files, with the JDK alone: a public key as
 * {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo, what {@code openssl pkey -pubout} writes) or inside a
 * {@code CERTIFICATE}; a private key as {@code PRIVATE KEY} (unencrypted PKCS#8, what {@code openssl genpkey}
 * writes). The first block of a kind the call wants is used.
 */
public final class PemKeys {
    /** No key file is anywhere near this; a bigger one is refused unread. */
    static final long MAX_FILE_BYTES = 64 * 1024;
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");
    private static final String[] KEY_ALGORITHMS = {"EC", "Ed25519"};

    private PemKeys() {
    }

    /** The public key in {@code file}. @throws IllegalArgumentException with what is wrong */
    public static PublicKey readPublic(Path file) {
        String text = read(file);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            byte[] der = decode(file, m.group(2));
            switch (m.group(1)) {
                case "PUBLIC KEY" -> {
                    return publicKey(file, der);
                }
                case "CERTIFICATE" -> {
                    try {
                        return CertificateFactory.getInstance("X.509")
                                .generateCertificate(new ByteArrayInputStream(der)).getPublicKey();
                    } catch (GeneralSecurityException e) {
                        throw new IllegalArgumentException(file + ": not a readable certificate: " + e.getMessage(), e);
                    }
                }
                case "PRIVATE KEY", "EC PRIVATE KEY" -> throw new IllegalArgumentException(file
                        + " holds a private key: give the relay the public key only (openssl pkey -in KEY -pubout)");
                default -> {
                }
            }
        }
        throw new IllegalArgumentException(file + ": no PEM 'PUBLIC KEY' or 'CERTIFICATE' block");
    }

    /** The private key in {@code file}. @throws IllegalArgumentException with what is wrong */
    public static PrivateKey readPrivate(Path file) {
        Matcher m = BLOCK.matcher(read(file));
        while (m.find()) {
            switch (m.group(1)) {
                case "PRIVATE KEY" -> {
                    byte[] der = decode(file, m.group(2));
                    for (String alg : KEY_ALGORITHMS) {
                        try {
                            return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                        } catch (GeneralSecurityException e) {
                            // not this kind: try the next
                        }
                    }
                    throw new IllegalArgumentException(file + ": neither an EC nor an Ed25519 private key");
                }
                case "EC PRIVATE KEY" -> throw new IllegalArgumentException(file + ": a SEC1 'EC PRIVATE KEY'; convert it "
                        + "to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName() + " -out key.pem");
                case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException(file
                        + ": an encrypted private key; decrypt it with: openssl pkey -in " + file.getFileName() + " -out key.pem");
                default -> {
                }
            }
        }
        throw new IllegalArgumentException(file + ": no PEM 'PRIVATE KEY' block");
    }

    /** A SubjectPublicKeyInfo of an EC or Ed25519 key. */
    static PublicKey publicKey(Path file, byte[] der) {
        for (String alg : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this kind: try the next
            }
        }
        throw new IllegalArgumentException(file + ": neither an EC nor an Ed25519 public key");
    }

    /** {@code key} as a PEM block of {@code type} ("PUBLIC KEY", "PRIVATE KEY"). */
    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String read(Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(file + " is larger than " + MAX_FILE_BYTES + " bytes: not a key file");
            }
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read key file " + file + ": " + e, e);
        }
    }

    private static byte[] decode(Path file, String base64) {
        try {
            return Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": bad base64 in a PEM block", e);
        }
    }
}
