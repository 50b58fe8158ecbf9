package io.kfrelay.security;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/** HMAC-SHA256 over a token's signing input (RFC 7518 §3.2), with a constant-time check. */
final class Hs256 {
    /** RFC 7518 §3.2: the key must be at least as long as the hash output. */
    static final int MIN_SECRET_BYTES = 32;

    private final SecretKeySpec key;

    Hs256(byte[] secret) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("an HS256 secret must be at least " + MIN_SECRET_BYTES + " bytes, was "
                    + secret.length);
        }
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    byte[] sign(String signingInput) {
        try {
            // A Mac per call: joins are rare, and a Mac is not thread-safe.
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Whether {@code signature} is the MAC of {@code signingInput}; time does not depend on where they differ. */
    boolean verify(String signingInput, byte[] signature) {
        return MessageDigest.isEqual(sign(signingInput), signature);
    }
}
