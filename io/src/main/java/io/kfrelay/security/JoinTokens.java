package io.kfrelay.security;

import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.Grants;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Issues and checks join tokens: compact JWS (RFC 7515) with {@code alg} HS256 and the claims of
 * {@link JoinToken}. Checking is strict and bounded: at most {@value Protocol#MAX_STRING_BYTES} characters,
 * exactly three canonical base64url parts, a header that says HS256 (nothing else, in particular not
 * {@code none}), the signature verified before the claims are read, and claims of the right types.
 * It never throws: every input ends as {@link TokenCheck.Valid} or {@link TokenCheck.Invalid}.
 */
public final class JoinTokens {
    /** Tolerated difference between the issuer's clock and the relay's. */
    public static final long CLOCK_SKEW_SECONDS = 10;
    private static final String HEADER = Base64Url.encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));

    private final Hs256 mac;

    /** @throws IllegalArgumentException if the secret is shorter than 32 bytes */
    public JoinTokens(byte[] secret) {
        this.mac = new Hs256(secret);
    }

    /** The smallest secret accepted, in bytes. */
    public static int minSecretBytes() {
        return Hs256.MIN_SECRET_BYTES;
    }

    /** A signed token carrying {@code token}'s claims, issued at {@code issuedAt} (epoch seconds). */
    public String issue(JoinToken token, long issuedAt) {
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
        String signingInput = HEADER + "." + Base64Url.encode(Json.write(claims).getBytes(StandardCharsets.UTF_8));
        return signingInput + "." + Base64Url.encode(mac.sign(signingInput));
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
        Map<String, Object> header = jsonPart(token.substring(0, dot1));
        if (header == null) {
            return malformed("the header is not base64url-encoded JSON");
        }
        if (!"HS256".equals(header.get("alg"))) {
            return malformed("the header's alg is not HS256");
        }
        if (header.containsKey("crit")) {
            return malformed("critical header extensions are not supported");
        }
        byte[] signature = Base64Url.decode(token.substring(dot2 + 1));
        if (signature == null) {
            return malformed("the signature is not base64url");
        }
        if (!mac.verify(token.substring(0, dot2), signature)) {
            return new TokenCheck.Invalid(ErrorCodes.TOKEN_BAD_SIGNATURE, "the token's signature does not verify");
        }
        Map<String, Object> claims = jsonPart(token.substring(dot1 + 1, dot2));
        if (claims == null) {
            return malformed("the claims are not base64url-encoded JSON");
        }
        return claims(claims, now);
    }

    private static TokenCheck claims(Map<String, Object> claims, long now) {
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
        if (now - CLOCK_SKEW_SECONDS > exp) {
            return new TokenCheck.Invalid(ErrorCodes.TOKEN_EXPIRED, "the token expired " + (now - exp) + " s ago");
        }
        if (now + CLOCK_SKEW_SECONDS < nbf) {
            return new TokenCheck.Invalid(ErrorCodes.TOKEN_EXPIRED, "the token is not valid for another " + (nbf - now) + " s");
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

    /** The JSON object a base64url part encodes, or null. */
    private static Map<String, Object> jsonPart(String part) {
        byte[] bytes = Base64Url.decode(part);
        if (bytes == null) {
            return null;
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            return Json.parseObject(text);
        } catch (CharacterCodingException | Json.JsonException e) {
            return null;
        }
    }

    private static TokenCheck.Invalid malformed(String why) {
        return new TokenCheck.Invalid(ErrorCodes.TOKEN_MALFORMED, "malformed token: " + why);
    }
}
