package io.kfrelay.security;

import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.room.Grants;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec: join tokens are HS256 JWTs; the relay accepts exactly the ones it signed, within their validity. */
class JoinTokensTest {
    static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!";
    private static final long NOW = 1_800_000_000L;
    private static final JoinTokens TOKENS = new JoinTokens(SECRET.getBytes(StandardCharsets.UTF_8));
    private static final JoinToken ALICE = new JoinToken("alice", "lobby", new Grants(true, false), NOW + 60, 0);

    @Test
    void anIssuedTokenChecksOutWithItsClaims() {
        String token = TOKENS.issue(ALICE, NOW);
        assertEquals(3, token.split("\\.").length);
        assertEquals(new TokenCheck.Valid(ALICE), TOKENS.check(token, NOW));
        assertEquals("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", decode(token.split("\\.")[0]));
        assertEquals("{\"sub\":\"alice\",\"room\":\"lobby\",\"canPublish\":true,\"canSubscribe\":false,\"iat\":1800000000,"
                + "\"exp\":1800000060}", decode(token.split("\\.")[1]));
    }

    @Test
    void expiryHasTenSecondsOfClockSkewAndNoMore() {
        String token = TOKENS.issue(ALICE, NOW);
        assertInstanceOf(TokenCheck.Valid.class, TOKENS.check(token, NOW + 60 + 10));
        assertCode(ErrorCodes.TOKEN_EXPIRED, TOKENS.check(token, NOW + 60 + 11));
        JoinToken later = new JoinToken("alice", "lobby", Grants.ALL, NOW + 600, NOW + 300);
        // Not valid yet has the code of expired (115): outside the validity window, as clients have always been told.
        assertCode(ErrorCodes.TOKEN_EXPIRED, TOKENS.check(TOKENS.issue(later, NOW), NOW));
        assertCode(ErrorCodes.TOKEN_EXPIRED, TOKENS.check(TOKENS.issue(later, NOW), NOW + 300 - 11));
        assertInstanceOf(TokenCheck.Valid.class, TOKENS.check(TOKENS.issue(later, NOW), NOW + 300 - 10));
        assertInstanceOf(TokenCheck.Valid.class, TOKENS.check(TOKENS.issue(later, NOW), NOW + 295));
    }

    @Test
    void anotherSecretOrAnyChangedByteFailsTheSignature() {
        String token = TOKENS.issue(ALICE, NOW);
        JoinTokens other = new JoinTokens("another-secret-of-at-least-32-bytes!!".getBytes(StandardCharsets.UTF_8));
        assertCode(ErrorCodes.TOKEN_BAD_SIGNATURE, other.check(token, NOW));

        String[] parts = token.split("\\.");
        String asBob = encode(decode(parts[1]).replace("alice", "bobby"));
        assertCode(ErrorCodes.TOKEN_BAD_SIGNATURE, TOKENS.check(parts[0] + "." + asBob + "." + parts[2], NOW));
        char last = parts[2].charAt(0);
        String flipped = (last == 'A' ? 'B' : 'A') + parts[2].substring(1);
        assertCode(ErrorCodes.TOKEN_BAD_SIGNATURE, TOKENS.check(parts[0] + "." + parts[1] + "." + flipped, NOW));
    }

    @Test
    void onlyHs256IsAccepted() {
        String[] parts = TOKENS.issue(ALICE, NOW).split("\\.");
        assertCode(ErrorCodes.TOKEN_MALFORMED, TOKENS.check(encode("{\"alg\":\"none\"}") + "." + parts[1] + ".", NOW));
        assertCode(ErrorCodes.TOKEN_MALFORMED, TOKENS.check(encode("{\"alg\":\"HS512\"}") + "." + parts[1] + "." + parts[2], NOW));
        assertCode(ErrorCodes.TOKEN_MALFORMED, TOKENS.check(encode("{\"alg\":\"HS256\",\"crit\":[\"x\"]}") + "." + parts[1]
                + "." + parts[2], NOW));
    }

    @Test
    void malformedTokensAreRefusedAsMalformed() {
        String token = TOKENS.issue(ALICE, NOW);
        String[] parts = token.split("\\.");
        for (String bad : new String[] {"", "abc", "a.b", "a.b.c.d", token + "=", parts[0] + "=." + parts[1] + "." + parts[2],
                parts[0] + "." + parts[1] + "." + parts[2] + "+", "x".repeat(5000)}) {
            assertCode(ErrorCodes.TOKEN_MALFORMED, TOKENS.check(bad, NOW));
        }
    }

    @Test
    void signedClaimsOfTheWrongShapeAreMalformed() {
        for (String claims : new String[] {
                "{\"room\":\"lobby\",\"exp\":1800000060}",                                   // no sub
                "{\"sub\":\"alice\",\"exp\":1800000060}",                                    // no room
                "{\"sub\":\"alice\",\"room\":\"lobby\"}",                                     // no exp
                "{\"sub\":\"alice\",\"room\":\"lobby\",\"exp\":\"1800000060\"}",              // exp a string
                "{\"sub\":\"alice\",\"room\":\"lobby\",\"exp\":1800000060.5}",               // exp not an integer
                "{\"sub\":\"alice\",\"room\":\"lobby\",\"exp\":1800000060,\"canPublish\":1}", // grant not a boolean
                "{\"sub\":\"alice\",\"sub\":\"bob\",\"room\":\"lobby\",\"exp\":1800000060}", // duplicate claim
                "{\"sub\":\"\",\"room\":\"lobby\",\"exp\":1800000060}",                      // empty identity
                "{\"sub\":\"alice\",\"room\":\"lobby\",\"exp\":1800000060}x",                // trailing bytes
                "[1,2,3]"}) {
            assertCode(ErrorCodes.TOKEN_MALFORMED, TOKENS.check(signed(claims), NOW));
        }
        TokenCheck minimal = TOKENS.check(signed("{\"sub\":\"alice\",\"room\":\"lobby\",\"exp\":1800000060}"), NOW);
        assertEquals(new TokenCheck.Valid(new JoinToken("alice", "lobby", new Grants(false, false), 1_800_000_060L, 0)),
                minimal, "grants default to false; unknown claims would be ignored");
    }

    @Test
    void roomPatternsMatchExactlyOrByPrefix() {
        assertTrue(new JoinToken("a", "lobby", Grants.ALL, 2, 0).grantsRoom("lobby"));
        assertTrue(!new JoinToken("a", "lobby", Grants.ALL, 2, 0).grantsRoom("lobby2"));
        assertTrue(new JoinToken("a", "team-*", Grants.ALL, 2, 0).grantsRoom("team-red"));
        assertTrue(!new JoinToken("a", "team-*", Grants.ALL, 2, 0).grantsRoom("teams"));
        assertTrue(new JoinToken("a", "*", Grants.ALL, 2, 0).grantsRoom("anything"));
        assertThrows(IllegalArgumentException.class, () -> new JoinToken("a", "", Grants.ALL, 2, 0));
    }

    @Test
    void aShortSecretIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new JoinTokens("short".getBytes(StandardCharsets.UTF_8)));
        assertEquals("an HS256 secret must be at least 32 bytes, was 5", e.getMessage());
    }

    private static String signed(String claims) {
        String input = encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + encode(claims);
        return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(SECRET, input));
    }

    /** HMAC-SHA256 with the JDK: what any issuer computes, independent of the relay's code. */
    static byte[] hmac(String secret, String input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    static void assertCode(int code, TokenCheck check) {
        TokenCheck.Invalid invalid = assertInstanceOf(TokenCheck.Invalid.class, check);
        assertEquals(code, invalid.code(), invalid::reason);
    }

    private static String encode(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String s) {
        return new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
    }
}
