package io.kfrelay.security;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kfrelay.protocol.ErrorCodes;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzz: checking a join token never throws and only ever answers a valid token or one of the token ERROR codes.
 * Headers and claims are fuzzed both raw and properly signed, so the fuzzer gets past the signature and into
 * the claims; a token that passes was signed with the relay's secret, says HS256, and is in its validity window.
 */
class JoinTokensFuzzTest {
    private static final byte[] SECRET = "fuzzing-secret-fuzzing-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final JoinTokens TOKENS = new JoinTokens(SECRET);
    private static final Set<Integer> TOKEN_CODES = Set.of(ErrorCodes.TOKEN_MALFORMED, ErrorCodes.TOKEN_BAD_SIGNATURE,
            ErrorCodes.TOKEN_EXPIRED);
    private static final String HS256_HEADER = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

    @FuzzTest(maxDuration = "10s")
    void checkIsTotalAndOnlyAdmitsSignedTokens(FuzzedDataProvider data) {
        long now = data.consumeLong(0, 4_000_000_000L);
        boolean signed = data.consumeBoolean();
        String token;
        if (data.consumeBoolean()) {
            token = data.consumeRemainingAsString(); // anything at all
        } else {
            String header = data.consumeBoolean() ? HS256_HEADER : data.consumeString(100);
            String claims = data.consumeString(400);
            String input = b64(header) + "." + b64(claims);
            token = input + "." + (signed ? b64(new Hs256(SECRET).sign(input)) : data.consumeRemainingAsAsciiString());
        }
        TokenCheck check = TOKENS.check(token, now);
        switch (check) {
            case TokenCheck.Invalid(int code, String reason) -> {
                assertTrue(TOKEN_CODES.contains(code), () -> "code " + code + " for " + token);
                assertTrue(!reason.isEmpty());
            }
            case TokenCheck.Valid(JoinToken t) -> {
                assertTrue(signed, () -> "only a token we signed can pass: " + token);
                assertTrue(now - JoinTokens.CLOCK_SKEW_SECONDS <= t.expiresAt(), "not expired");
                assertTrue(now + JoinTokens.CLOCK_SKEW_SECONDS >= t.notBefore(), "already valid");
                // What passes once passes again when re-issued with the same claims.
                TokenCheck again = TOKENS.check(TOKENS.issue(t, now), now);
                assertEquals(new TokenCheck.Valid(t), again);
            }
        }
    }

    private static String b64(String s) {
        return b64(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
