package io.kfrelay.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.jwk.Curve;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.util.Set;

/**
 * One key the relay checks join tokens with, and the algorithm it implies. The key decides the algorithm, never
 * the token: an HS256 secret verifies HS256 only, an EC P-256 public key ES256 only, an Ed25519 public key EdDSA
 * only ({@code alg} {@code EdDSA}, or its fully specified name {@code Ed25519}, RFC 9864). A token whose header
 * names another algorithm is refused before any signature is computed (TOKEN_WRONG_ALGORITHM), so a public key
 * can never be used as an HMAC secret, nor a secret as anything but one.
 *
 * @param kid        the key's id ({@code kid}); null for the HS256 secret, which has none
 * @param algorithms the {@code alg} values this key verifies (one algorithm, one or two names)
 * @param verifier   the nimbus verifier for this key, made once; thread-safe
 * @param source     where the key came from, for messages and logs (never the key itself)
 */
public record TokenKey(String kid, Set<JWSAlgorithm> algorithms, JWSVerifier verifier, String source) {
    /** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
    public static final int MIN_SECRET_BYTES = 32;
    /** Every algorithm some key may verify; a token naming any other is malformed. */
    static final Set<JWSAlgorithm> SUPPORTED = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA,
            JWSAlgorithm.Ed25519);

    /** The relay's HS256 secret ({@code --auth-secret}). */
    public static TokenKey hs256(byte[] secret) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("an HS256 secret must be at least " + MIN_SECRET_BYTES + " bytes, was "
                    + secret.length);
        }
        try {
            return new TokenKey(null, Set.of(JWSAlgorithm.HS256), new MACVerifier(secret), "the HS256 secret");
        } catch (JOSEException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * A public key: EC on P-256 (ES256) or Ed25519 (EdDSA).
     *
     * @throws IllegalArgumentException for any other kind of key
     */
    public static TokenKey of(String kid, PublicKey key, String source) {
        try {
            if (key instanceof ECPublicKey ec) {
                if (!Curve.P_256.equals(Curve.forECParameterSpec(ec.getParams()))) {
                    throw new IllegalArgumentException(source + ": an EC key must be on P-256 (ES256)");
                }
                return new TokenKey(kid, Set.of(JWSAlgorithm.ES256), new ECDSAVerifier(ec), source);
            }
            if (key instanceof EdECPublicKey ed && ed.getParams() instanceof NamedParameterSpec p
                    && p.getName().equalsIgnoreCase("Ed25519")) {
                return new TokenKey(kid, Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519), new Ed25519Jdk.Verifier(ed), source);
            }
        } catch (JOSEException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(source + ": a " + key.getAlgorithm()
                + " key; join tokens take EC P-256 (ES256) or Ed25519 (EdDSA) public keys");
    }

    /** The algorithm a token signed with this key must name (the first of {@link #algorithms} by preference). */
    public JWSAlgorithm algorithm() {
        return algorithms.contains(JWSAlgorithm.HS256) ? JWSAlgorithm.HS256
                : algorithms.contains(JWSAlgorithm.ES256) ? JWSAlgorithm.ES256 : JWSAlgorithm.EdDSA;
    }

    @Override
    public String toString() {
        return "TokenKey[kid=" + kid + ", alg=" + algorithm() + ", " + source + "]";
    }
}
