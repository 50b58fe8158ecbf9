package io.kfrelay.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs join tokens, as {@code ./kfrelay token} and an application's backend do: with the HS256 secret, or with
 * a private key (EC P-256: ES256; Ed25519: EdDSA) and its {@code kid}. The header is {@code alg}, {@code typ} JWT
 * and, for a private key, {@code kid}; the claims are {@link JoinToken}'s (docs/SECURITY.md).
 */
public final class TokenSigner {
    private final JWSSigner signer;
    private final JWSHeader header;

    private TokenSigner(JWSSigner signer, JWSAlgorithm alg, String kid) {
        this.signer = signer;
        // Written in this order (alg, typ, kid), as the relay always has: the same claims give the same HS256 token.
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", alg.getName());
        h.put("typ", JOSEObjectType.JWT.getType());
        if (kid != null) {
            h.put("kid", kid);
        }
        try {
            this.header = JWSHeader.parse(Base64URL.encode(JSONObjectUtils.toJSONString(h)));
        } catch (ParseException e) {
            throw new IllegalArgumentException("kid: " + e.getMessage(), e);
        }
    }

    /** HS256 with {@code secret} (at least 32 bytes). */
    public static TokenSigner hs256(byte[] secret) {
        TokenKey.hs256(secret); // the same length rule and message as the relay's
        try {
            return new TokenSigner(new MACSigner(secret), JWSAlgorithm.HS256, null);
        } catch (JOSEException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** ES256 or EdDSA, as {@code key} is EC P-256 or Ed25519, with {@code kid} in the header (null: none). */
    public static TokenSigner privateKey(PrivateKey key, String kid) {
        try {
            if (key instanceof ECPrivateKey ec) {
                if (!Curve.P_256.equals(Curve.forECParameterSpec(ec.getParams()))) {
                    throw new IllegalArgumentException("an EC key must be on P-256 (ES256)");
                }
                return new TokenSigner(new ECDSASigner(ec), JWSAlgorithm.ES256, kid);
            }
            if (key instanceof EdECPrivateKey ed) {
                return new TokenSigner(new Ed25519Jdk.Signer(ed), JWSAlgorithm.EdDSA, kid);
            }
        } catch (JOSEException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        throw new IllegalArgumentException("a " + key.getAlgorithm() + " key: tokens are signed with EC P-256 or Ed25519 keys");
    }

    /** The PEM private key in {@code file} ({@link PemKeys#readPrivate}). */
    public static TokenSigner privateKey(Path file, String kid) {
        return privateKey(PemKeys.readPrivate(file), kid);
    }

    public JWSAlgorithm algorithm() {
        return header.getAlgorithm();
    }

    /** A signed token carrying {@code token}'s claims, issued at {@code issuedAt} (epoch seconds). */
    public String sign(JoinToken token, long issuedAt) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", token.identity());
        claims.put("room", token.room());
        claims.put("canPublish", token.grants().canPublish());
        claims.put("canSubscribe", token.grants().canSubscribe());
        claims.put("iat", issuedAt);
        if (token.notBefore() > 0) {
            claims.put("nbf", token.notBefore());
        }
        claims.put("exp", token.expiresAt());
        JWSObject jws = new JWSObject(header, new Payload(JSONObjectUtils.toJSONString(claims))); // in this order
        try {
            jws.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed: " + e.getMessage(), e);
        }
        return jws.serialize();
    }
}
