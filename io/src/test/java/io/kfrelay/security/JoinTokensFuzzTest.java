package io.kfrelay.security;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kfrelay.protocol.ErrorCodes;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzz: checking a join token (nimbus-jose-jwt behind {@link JoinTokens}) never throws and only ever answers a valid
 * token or one of the token ERROR codes. The relay has an HS256 secret, an ES256 key (kid "ec") and an Ed25519 key
 * (kid "ed"). Headers and claims are fuzzed both raw and properly signed, by the right key or by an attacker (the
 * secret or a key the relay does not have, or an HMAC keyed with a public key's bytes), so the fuzzer gets past the
 * signature and into the claims; a token that passes was signed by the relay's key for its kid, with that key's
 * algorithm, and is in its validity window.
 */
class JoinTokensFuzzTest {
    private static final byte[] SECRET = "fuzzing-secret-fuzzing-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final KeyPair EC = pair("EC");
    private static final KeyPair ED = pair("Ed25519");
    private static final KeyPair OTHER_EC = pair("EC");
    private static final JoinTokens TOKENS = new JoinTokens(TokenKeys.of(SECRET, List.of(
            TokenKey.of("ec", EC.getPublic(), "fuzz ec"), TokenKey.of("ed", ED.getPublic(), "fuzz ed"))),
            JoinTokens.CLOCK_SKEW_SECONDS);
    private static final Set<Integer> TOKEN_CODES = Set.of(ErrorCodes.TOKEN_MALFORMED, ErrorCodes.TOKEN_BAD_SIGNATURE,
            ErrorCodes.TOKEN_EXPIRED, ErrorCodes.TOKEN_UNKNOWN_KEY,
            ErrorCodes.TOKEN_WRONG_ALGORITHM);
    private static final String[] HEADERS = {
            "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
            "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"ec\"}",
            "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"ed\"}",
            "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"ec\"}",
            "{\"alg\":\"ES256\",\"typ\":\"JWT\"}"};

    /** Who signs: nobody (fuzzed bytes), the relay's keys, or attackers. */
    enum By { FUZZ, SECRET, EC, ED, OTHER_EC, HMAC_WITH_EC_PUBLIC_KEY }

    @FuzzTest(maxDuration = "10s")
    void checkIsTotalAndOnlyAdmitsSignedTokens(FuzzedDataProvider data) {
        long now = data.consumeLong(0, 4_000_000_000L);
        By by = data.pickValue(By.values());
        String header = null;
        String token;
        if (data.consumeBoolean()) {
            token = data.consumeRemainingAsString(); // anything at all
            by = By.FUZZ;
        } else {
            header = data.consumeBoolean() ? data.pickValue(HEADERS) : data.consumeString(100);
            String claims = data.consumeString(400);
            String input = b64(header) + "." + b64(claims);
            token = input + "." + (by == By.FUZZ ? data.consumeRemainingAsAsciiString() : b64(sign(by, input)));
        }
        TokenCheck check = TOKENS.check(token, now);
        switch (check) {
            case TokenCheck.Invalid(int code, String reason) -> {
                assertTrue(TOKEN_CODES.contains(code), () -> "code " + code + " for " + token);
                assertTrue(!reason.isEmpty());
            }
            case TokenCheck.Valid(JoinToken t) -> {
                String h = header;
                By signer = by;
                assertTrue(by == By.SECRET || by == By.EC || by == By.ED,
                        () -> "only a token signed with the relay's key can pass, not by " + signer + ": " + token);
                assertTrue(switch (by) {
                    case SECRET -> h.contains("HS256");
                    case EC -> h.contains("ES256") && h.contains("ec");
                    default -> h.contains("EdDSA") || h.contains("Ed25519");
                }, () -> "a key checks its own algorithm only: " + h + " signed by " + signer);
                assertTrue(now - JoinTokens.CLOCK_SKEW_SECONDS <= t.expiresAt(), "not expired");
                assertTrue(now + JoinTokens.CLOCK_SKEW_SECONDS >= t.notBefore(), "already valid");
                // What passes once passes again when re-issued with the same claims.
                TokenCheck again = TOKENS.check(new JoinTokens(SECRET).issue(t, now), now);
                assertEquals(new TokenCheck.Valid(t), again);
            }
        }
    }

    private static byte[] sign(By by, String input) {
        byte[] bytes = input.getBytes(StandardCharsets.US_ASCII);
        try {
            return switch (by) {
                case SECRET -> hmac(SECRET, bytes);
                case HMAC_WITH_EC_PUBLIC_KEY -> hmac(EC.getPublic().getEncoded(), bytes);
                case EC, OTHER_EC -> {
                    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
                    s.initSign((by == By.EC ? EC : OTHER_EC).getPrivate());
                    s.update(bytes);
                    yield s.sign();
                }
                case ED -> {
                    Signature s = Signature.getInstance("Ed25519");
                    s.initSign(ED.getPrivate());
                    s.update(bytes);
                    yield s.sign();
                }
                case FUZZ -> throw new IllegalArgumentException();
            };
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] hmac(byte[] key, byte[] input) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(input);
    }

    private static KeyPair pair(String alg) {
        return PublicKeyTokensTest.pair(alg);
    }

    private static String b64(String s) {
        return b64(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
