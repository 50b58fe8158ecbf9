package io.kfrelay.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.Grants;

import java.text.ParseException;
import java.util.Map;

/**
 * Checks join tokens, compact JWS (RFC 7515) with the claims of {@link JoinToken}, through nimbus-jose-jwt, and
 * issues HS256 ones ({@link TokenSigner} signs with a private key too). Checking is strict and bounded, in this
 * order, each step with its own ERROR code:
 *
 * <ol>
 *   <li>at most {@value Protocol#MAX_STRING_BYTES} characters, exactly three parts, each in canonical unpadded
 *       base64url (one spelling per token: nimbus's decoder alone would skip stray characters); a header nimbus
 *       parses as a JWS header, naming HS256, ES256 or EdDSA ({@code none} and everything else refused), without
 *       {@code crit}: else TOKEN_MALFORMED;
 *   <li>the key: the token's {@code kid} selects it ({@link TokenKeys}): none, TOKEN_UNKNOWN_KEY;
 *   <li>the algorithm is the key's, never the header's choice: a header naming another, TOKEN_WRONG_ALGORITHM
 *       (so an HS256 token "signed" with a public key as the HMAC secret never gets to an HMAC);
 *   <li>the signature, with that key's verifier, before any claim is read: TOKEN_BAD_SIGNATURE;
 *   <li>the claims: types as {@link JoinToken} needs (TOKEN_MALFORMED), {@code exp} and {@code nbf} with
 *       {@code clockSkew} seconds of tolerance (TOKEN_EXPIRED both).
 * </ol>
 *
 * Keys embedded in a token ({@code jwk}, {@code jku}, {@code x5c}, {@code x5u}) are never looked at. It never
 * throws: every input ends as {@link TokenCheck.Valid} or {@link TokenCheck.Invalid}.
 */
public final class JoinTokens {
    /** Tolerated difference between the issuer's clock and the relay's, by default ({@code --auth-clock-skew}). */
    public static final long CLOCK_SKEW_SECONDS = 10;

    private final TokenKeys keys;
    private final long clockSkewSeconds;
    private final TokenSigner hs256; // null without a secret

    /** HS256 with {@code secret} alone, the default skew. @throws IllegalArgumentException if shorter than 32 bytes */
    public JoinTokens(byte[] secret) {
        this(TokenKeys.ofSecret(secret), CLOCK_SKEW_SECONDS, TokenSigner.hs256(secret));
    }

    /** Checks with {@code keys}, tolerating {@code clockSkewSeconds}; {@link #issue} then needs the secret's signer. */
    public JoinTokens(TokenKeys keys, long clockSkewSeconds) {
        this(keys, clockSkewSeconds, null);
    }

    private JoinTokens(TokenKeys keys, long clockSkewSeconds, TokenSigner hs256) {
        if (clockSkewSeconds < 0) {
            throw new IllegalArgumentException("the clock skew must be >= 0");
        }
        this.keys = keys;
        this.clockSkewSeconds = clockSkewSeconds;
        this.hs256 = hs256;
    }

    /** The smallest secret accepted, in bytes. */
    public static int minSecretBytes() {
        return TokenKey.MIN_SECRET_BYTES;
    }

    public long clockSkewSeconds() {
        return clockSkewSeconds;
    }

    public TokenKeys keys() {
        return keys;
    }

    /** An HS256 token with the secret this was made with, carrying {@code token}'s claims, issued at {@code issuedAt}. */
    public String issue(JoinToken token, long issuedAt) {
        if (hs256 == null) {
            throw new IllegalStateException("issue needs JoinTokens(secret); sign with a TokenSigner");
        }
        return hs256.sign(token, issuedAt);
    }

    /** Checks {@code token} at {@code now} (epoch seconds). */
    public TokenCheck check(String token, long now) {
        if (token.length() > Protocol.MAX_STRING_BYTES) {
            return malformed("longer than " + Protocol.MAX_STRING_BYTES + " characters");
        }
        int dot1 = token.indexOf('.');
        int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
        if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
            return malformed("not three dot-separated parts");
        }
        if (!canonicalBase64Url(token, 0, dot1) || !canonicalBase64Url(token, dot1 + 1, dot2)
                || !canonicalBase64Url(token, dot2 + 1, token.length())) {
            return malformed("a part is not canonical unpadded base64url");
        }
        JWSObject jws;
        try {
            jws = JWSObject.parse(token);
        } catch (ParseException | RuntimeException e) {
            return malformed("the header is not a JWS header: " + e.getMessage());
        }
        JWSHeader header = jws.getHeader();
        if (!TokenKey.SUPPORTED.contains(header.getAlgorithm())) {
            return malformed("the header's alg " + header.getAlgorithm() + " is not HS256, ES256 or EdDSA");
        }
        if (header.getCriticalParams() != null) {
            return malformed("critical header extensions are not supported");
        }
        TokenKey key = keys.find(header.getKeyID());
        if (key == null) {
            return new TokenCheck.Invalid(ErrorCodes.TOKEN_UNKNOWN_KEY, header.getKeyID() == null
                    ? "the token names no key (kid) and the relay has no HS256 secret"
                    : "the relay has no key with kid '" + header.getKeyID() + "'");
        }
        if (!key.algorithms().contains(header.getAlgorithm())) {
            return new TokenCheck.Invalid(ErrorCodes.TOKEN_WRONG_ALGORITHM, "the token says alg " + header.getAlgorithm()
                    + " but its key (" + (key.kid() == null ? "the HS256 secret" : "kid '" + key.kid() + "'") + ") is "
                    + key.algorithm());
        }
        boolean verified;
        try {
            verified = key.verifier().verify(header, jws.getSigningInput(), jws.getSignature());
        } catch (JOSEException | RuntimeException e) {
            verified = false;
        }
        if (!verified) {
            return new TokenCheck.Invalid(ErrorCodes.TOKEN_BAD_SIGNATURE, "the token's signature does not verify");
        }
        Map<String, Object> claims = jws.getPayload().toJSONObject();
        if (claims == null) {
            return malformed("the claims are not a JSON object");
        }
        return claims(claims, now);
    }

    private TokenCheck claims(Map<String, Object> claims, long now) {
        if (!(claims.get("sub") instanceof String identity)) {
            return malformed("claim sub (the identity) is missing or not a string");
        }
        if (!(claims.get("room") instanceof String room)) {
            return malformed("claim room is missing or not a string");
        }
        if (!(claims.get("exp") instanceof Long exp)) {
            return malformed("claim exp is missing or not an integer");
        }
        Object nbfClaim = claims.getOrDefault("nbf", 0L);
        if (!(nbfClaim instanceof Long nbf) || nbf < 0) {
            return malformed("claim nbf is not a non-negative integer");
        }
        Boolean canPublish = flag(claims, "canPublish");
        Boolean canSubscribe = flag(claims, "canSubscribe");
        if (canPublish == null || canSubscribe == null) {
            return malformed("claims canPublish and canSubscribe must be true or false");
        }
        if (now - clockSkewSeconds > exp) {
            return new TokenCheck.Invalid(ErrorCodes.TOKEN_EXPIRED, "the token expired " + (now - exp) + " s ago");
        }
        if (now + clockSkewSeconds < nbf) {
            // Outside its validity window, as an expired one: the code clients already know (PROTOCOL.md, 115).
            return new TokenCheck.Invalid(ErrorCodes.TOKEN_EXPIRED,
                    "the token is not valid for another " + (nbf - now) + " s");
        }
        try {
            return new TokenCheck.Valid(new JoinToken(identity, room, new Grants(canPublish, canSubscribe), exp, nbf));
        } catch (IllegalArgumentException e) {
            return malformed(e.getMessage());
        }
    }

    /** A grant claim: absent means false; anything but a boolean is null (malformed). */
    private static Boolean flag(Map<String, Object> claims, String name) {
        return claims.getOrDefault(name, Boolean.FALSE) instanceof Boolean b ? b : null;
    }

    /**
     * Whether {@code s[from, to)} is base64url (RFC 4648 §5) as an encoder writes it: the alphabet only, no padding,
     * no impossible length, and zero bits where the last character has more than the data needs.
     */
    static boolean canonicalBase64Url(String s, int from, int to) {
        int len = to - from;
        if (len % 4 == 1) {
            return false;
        }
        int last = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                last = c - 'A';
            } else if (c >= 'a' && c <= 'z') {
                last = c - 'a' + 26;
            } else if (c >= '0' && c <= '9') {
                last = c - '0' + 52;
            } else if (c == '-') {
                last = 62;
            } else if (c == '_') {
                last = 63;
            } else {
                return false;
            }
        }
        return switch (len % 4) {
            case 2 -> (last & 0x0F) == 0;
            case 3 -> (last & 0x03) == 0;
            default -> true;
        };
    }

    private static TokenCheck.Invalid malformed(String why) {
        return new TokenCheck.Invalid(ErrorCodes.TOKEN_MALFORMED, "malformed token: " + why);
    }
}
