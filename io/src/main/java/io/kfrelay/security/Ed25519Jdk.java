package io.kfrelay.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.impl.BaseJWSProvider;
import com.nimbusds.jose.util.Base64URL;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Set;

/**
 * EdDSA with Ed25519 (RFC 8037) for nimbus-jose-jwt, done by the JDK's own {@code Signature "Ed25519"}. Nimbus's
 * {@code Ed25519Verifier}/{@code Ed25519Signer} need Google Tink (an optional dependency of nimbus, a 2.8 MB jar)
 * for exactly what the JDK has done itself since Java 15; these two classes are the whole of the difference.
 */
final class Ed25519Jdk {
    /** The DER of an Ed25519 SubjectPublicKeyInfo (RFC 8410) up to the 32 key bytes. */
    private static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    private static final Set<JWSAlgorithm> EDDSA = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

    private Ed25519Jdk() {
    }

    /** The public key whose RFC 8032 encoding (a JWK's {@code x}) is {@code raw}. */
    static PublicKey publicKey(byte[] raw) throws GeneralSecurityException {
        if (raw.length != 32) {
            throw new GeneralSecurityException("an Ed25519 public key is 32 bytes, was " + raw.length);
        }
        byte[] der = new byte[SPKI_PREFIX.length + 32];
        System.arraycopy(SPKI_PREFIX, 0, der, 0, SPKI_PREFIX.length);
        System.arraycopy(raw, 0, der, SPKI_PREFIX.length, 32);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    }

    /** The RFC 8032 encoding of an Ed25519 public key (the last 32 bytes of its X.509 encoding). */
    static byte[] raw(PublicKey key) {
        byte[] der = key.getEncoded();
        byte[] raw = new byte[32];
        System.arraycopy(der, der.length - 32, raw, 0, 32);
        return raw;
    }

    static final class Verifier extends BaseJWSProvider implements JWSVerifier {
        private final PublicKey key;

        Verifier(PublicKey key) {
            super(EDDSA);
            this.key = key;
        }

        @Override
        public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
            byte[] sig = signature.decode();
            if (sig.length != 64) {
                return false;
            }
            try {
                Signature s = Signature.getInstance("Ed25519"); // one per call: a Signature is not thread-safe
                s.initVerify(key);
                s.update(signingInput);
                return s.verify(sig);
            } catch (GeneralSecurityException e) {
                throw new JOSEException("Ed25519 verification failed: " + e.getMessage(), e);
            }
        }
    }

    static final class Signer extends BaseJWSProvider implements JWSSigner {
        private final PrivateKey key;

        Signer(PrivateKey key) {
            super(EDDSA);
            this.key = key;
        }

        @Override
        public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(key);
                s.update(signingInput);
                return Base64URL.encode(s.sign());
            } catch (GeneralSecurityException e) {
                throw new JOSEException("Ed25519 signing failed: " + e.getMessage(), e);
            }
        }
    }
}
