package io.kfrelay.security;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.sun.net.httpserver.HttpServer;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.room.Grants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 16): join tokens signed with a private key (ES256 on P-256, EdDSA on Ed25519) are checked with the
 * public key their kid selects, from a PEM file or a JWKS (file or URL, reloaded); the key decides the algorithm;
 * each way to be refused has its own code.
 */
class PublicKeyTokensTest {
    private static final long NOW = 1_800_000_000L;
    private static final String SECRET = JoinTokensTest.SECRET;
    private static final JoinToken ALICE = new JoinToken("alice", "lobby", new Grants(true, true), NOW + 60, 0);
    private static final KeyPair EC = pair("EC");
    private static final KeyPair ED = pair("Ed25519");

    @TempDir
    Path tmp;

    @Test
    void es256AndEdDsaTokensFromPemFilesAreAcceptedByKid() throws IOException {
        Path ec = write("backend-ec.pem", PemKeys.pem("PUBLIC KEY", EC.getPublic().getEncoded()));
        Path ed = write("ed.pem", PemKeys.pem("PUBLIC KEY", ED.getPublic().getEncoded()));
        JoinTokens tokens = new JoinTokens(TokenKeys.configured(null, List.of(ec.toString(), "edkey=" + ed), null,
                Duration.ofMinutes(5)), 10);
        assertEquals(new TokenCheck.Valid(ALICE), tokens.check(sign(EC, "backend-ec"), NOW), "kid: the file name");
        assertEquals(new TokenCheck.Valid(ALICE), tokens.check(sign(ED, "edkey"), NOW), "kid: KID=FILE");
        assertCode(ErrorCodes.TOKEN_UNKNOWN_KEY, tokens.check(sign(ED, "ed"), NOW));
        assertEquals(JWSAlgorithm.ES256, tokens.keys().find("backend-ec").algorithm());
        assertEquals(JWSAlgorithm.EdDSA, tokens.keys().find("edkey").algorithm());
        // The fully specified name of the same algorithm (RFC 9864) is the same key's.
        String ed25519 = rawToken("{\"alg\":\"Ed25519\",\"kid\":\"edkey\"}", ALICE, ED);
        assertEquals(new TokenCheck.Valid(ALICE), tokens.check(ed25519, NOW));
    }

    @Test
    void eachRefusalHasItsOwnCode() {
        KeyPair otherEc = pair("EC");
        JoinTokens tokens = new JoinTokens(TokenKeys.of(SECRET.getBytes(StandardCharsets.UTF_8), List.of(
                TokenKey.of("ec", EC.getPublic(), "ec"), TokenKey.of("ed", ED.getPublic(), "ed"))), 10);

        assertCode(ErrorCodes.TOKEN_BAD_SIGNATURE, tokens.check(sign(otherEc, "ec"), NOW), "signed by another key");
        assertCode(ErrorCodes.TOKEN_WRONG_ALGORITHM, tokens.check(sign(ED, "ec"), NOW), "an EdDSA token for an EC key");
        // Algorithm confusion: an HS256 token whose HMAC key is the public key (its X.509 bytes, or its PEM text).
        for (byte[] hmacKey : new byte[][] {EC.getPublic().getEncoded(),
                PemKeys.pem("PUBLIC KEY", EC.getPublic().getEncoded()).getBytes(StandardCharsets.US_ASCII)}) {
            String confused = hmacToken("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"ec\"}", ALICE, hmacKey);
            assertCode(ErrorCodes.TOKEN_WRONG_ALGORITHM, tokens.check(confused, NOW));
            String noKid = hmacToken("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", ALICE, hmacKey);
            assertCode(ErrorCodes.TOKEN_BAD_SIGNATURE, tokens.check(noKid, NOW), "no kid: the HS256 secret checks it");
        }
        assertCode(ErrorCodes.TOKEN_WRONG_ALGORITHM, tokens.check(rawToken("{\"alg\":\"ES256\",\"kid\":\"ed\"}", ALICE, EC), NOW));
        assertCode(ErrorCodes.TOKEN_WRONG_ALGORITHM, tokens.check(rawToken("{\"alg\":\"ES256\"}", ALICE, EC), NOW),
                "no kid is the secret's, which is HS256");
        assertCode(ErrorCodes.TOKEN_UNKNOWN_KEY, tokens.check(sign(EC, "ec-2"), NOW));
        assertCode(ErrorCodes.TOKEN_EXPIRED, tokens.check(sign(EC, "ec"), NOW + 60 + 11));
        assertInstanceOf(TokenCheck.Valid.class, tokens.check(sign(EC, "ec"), NOW + 60 + 10));
        JoinToken later = new JoinToken("alice", "lobby", Grants.ALL, NOW + 600, NOW + 300);
        String notYet = TokenSigner.privateKey(ED.getPrivate(), "ed").sign(later, NOW);
        assertCode(ErrorCodes.TOKEN_EXPIRED, tokens.check(notYet, NOW + 289));
        assertInstanceOf(TokenCheck.Valid.class, tokens.check(notYet, NOW + 290));
        assertCode(ErrorCodes.TOKEN_MALFORMED, tokens.check(rawToken("{\"alg\":\"ES384\",\"kid\":\"ec\"}", ALICE, EC), NOW));
        assertCode(ErrorCodes.TOKEN_MALFORMED, tokens.check(rawToken("{\"alg\":\"RS256\",\"kid\":\"ec\"}", ALICE, EC), NOW));
    }

    @Test
    void aKeyInTheTokenIsNeverUsed() throws Exception {
        KeyPair mallory = pair("EC");
        JWK jwk = new ECKey.Builder(Curve.P_256, (ECPublicKey) mallory.getPublic()).build();
        JoinTokens tokens = new JoinTokens(TokenKeys.of(null, List.of(TokenKey.of("ec", EC.getPublic(), "ec"))), 10);
        String header = "{\"alg\":\"ES256\",\"kid\":\"ec\",\"jwk\":" + jwk.toJSONString() + "}";
        assertCode(ErrorCodes.TOKEN_BAD_SIGNATURE, tokens.check(rawToken(header, ALICE, mallory), NOW));
    }

    @Test
    void withoutAKidOnlyTheSecretIsTriedAndWithoutPublicKeysTheSecretTakesAnyKid() {
        JoinTokens publicOnly = new JoinTokens(TokenKeys.of(null, List.of(TokenKey.of("ec", EC.getPublic(), "ec"))), 10);
        assertCode(ErrorCodes.TOKEN_UNKNOWN_KEY, publicOnly.check(rawToken("{\"alg\":\"ES256\"}", ALICE, EC), NOW));
        JoinTokens secretOnly = new JoinTokens(SECRET.getBytes(StandardCharsets.UTF_8));
        String withKid = hmacToken("{\"alg\":\"HS256\",\"kid\":\"whatever\"}", ALICE, SECRET.getBytes(StandardCharsets.UTF_8));
        assertEquals(new TokenCheck.Valid(ALICE), secretOnly.check(withKid, NOW), "as before public keys: kid ignored");
        JoinTokens both = new JoinTokens(TokenKeys.of(SECRET.getBytes(StandardCharsets.UTF_8),
                List.of(TokenKey.of("ec", EC.getPublic(), "ec"))), 10);
        assertCode(ErrorCodes.TOKEN_UNKNOWN_KEY, both.check(withKid, NOW), "with public keys a kid selects one of them");
        assertEquals(new TokenCheck.Valid(ALICE), both.check(secretOnly.issue(ALICE, NOW), NOW));
    }

    @Test
    void aJwksFileWithTwoKeysKidSelectsAndItIsReloadedWhenItChanges() throws Exception {
        KeyPair ec2 = pair("EC");
        Path file = write("keys.jwks", jwks(ecJwk("a", EC), edJwk("b", ED)));
        try (TokenKeys keys = TokenKeys.configured(null, List.of(), file.toString(), Duration.ofMillis(50))) {
            JoinTokens tokens = new JoinTokens(keys, 10);
            assertEquals(new TokenCheck.Valid(ALICE), tokens.check(sign(EC, "a"), NOW));
            assertEquals(new TokenCheck.Valid(ALICE), tokens.check(sign(ED, "b"), NOW));
            assertCode(ErrorCodes.TOKEN_WRONG_ALGORITHM, tokens.check(sign(EC, "b"), NOW), "kid b is an Ed25519 key");
            assertCode(ErrorCodes.TOKEN_UNKNOWN_KEY, tokens.check(sign(ec2, "c"), NOW));

            // Rotation: c is added, a is withdrawn.
            Files.writeString(file, jwks(edJwk("b", ED), ecJwk("c", ec2)));
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 2000));
            await(() -> tokens.check(sign(ec2, "c"), NOW) instanceof TokenCheck.Valid, "the new key is picked up");
            assertCode(ErrorCodes.TOKEN_UNKNOWN_KEY, tokens.check(sign(EC, "a"), NOW));

            // A broken file keeps the last good set.
            Files.writeString(file, "{\"keys\": [ not json");
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 4000));
            Thread.sleep(300);
            assertEquals(new TokenCheck.Valid(ALICE), tokens.check(sign(ec2, "c"), NOW));
        }
    }

    @Test
    void onlyTokenKeyTypesAreTakenFromAJwks() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        String text = "{\"keys\":[" + new RSAKey.Builder((RSAPublicKey) rsa.generateKeyPair().getPublic()).keyID("rsa").build()
                + ",{\"kty\":\"oct\",\"kid\":\"oct\",\"k\":\"" + Base64URL.encode(SECRET) + "\"}"
                + "," + new ECKey.Builder(Curve.P_256, (ECPublicKey) EC.getPublic()).build() // no kid
                + "," + new ECKey.Builder(Curve.P_256, (ECPublicKey) EC.getPublic()).keyID("enc")
                        .keyUse(com.nimbusds.jose.jwk.KeyUse.ENCRYPTION).build()
                + "," + new ECKey.Builder(Curve.P_256, (ECPublicKey) EC.getPublic()).keyID("wrong-alg")
                        .algorithm(JWSAlgorithm.HS256).build()
                + "," + ecJwk("ok", EC) + "]}";
        assertEquals(List.of("ok"), List.copyOf(JwksSource.parse(text, "test").keySet()));
        assertThrows(IllegalArgumentException.class, () -> JwksSource.parse(jwks(ecJwk("x", EC), edJwk("x", ED)), "t"),
                "two keys with one kid");
    }

    @Test
    void aJwksUrlIsFetchedWithItsEtagAndAnOutageKeepsTheLastGoodSet() throws Exception {
        AtomicReference<String> body = new AtomicReference<>(jwks(ecJwk("a", EC)));
        AtomicInteger fetches = new AtomicInteger();
        AtomicInteger notModified = new AtomicInteger();
        AtomicInteger status = new AtomicInteger(200);
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/jwks", ex -> {
            fetches.incrementAndGet();
            String b = body.get();
            String etag = "\"" + Integer.toHexString(b.hashCode()) + "\"";
            if (status.get() != 200) {
                ex.sendResponseHeaders(status.get(), -1);
            } else if (etag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
                notModified.incrementAndGet();
                ex.sendResponseHeaders(304, -1);
            } else {
                byte[] bytes = b.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("ETag", etag);
                ex.sendResponseHeaders(200, bytes.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(bytes);
                }
            }
            ex.close();
        });
        http.start();
        String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/jwks";
        try (TokenKeys keys = TokenKeys.configured(null, List.of(), url, Duration.ofMillis(100))) {
            JoinTokens tokens = new JoinTokens(keys, 10);
            assertEquals(new TokenCheck.Valid(ALICE), tokens.check(sign(EC, "a"), NOW));
            await(() -> notModified.get() >= 2, "conditional requests answered 304");
            body.set(jwks(ecJwk("a", EC), edJwk("b", ED)));
            await(() -> tokens.check(sign(ED, "b"), NOW) instanceof TokenCheck.Valid, "the changed set is fetched");
            status.set(503);
            int before = fetches.get();
            await(() -> fetches.get() >= before + 3, "it keeps trying");
            assertEquals(new TokenCheck.Valid(ALICE), tokens.check(sign(ED, "b"), NOW), "the last good set stays");
        } finally {
            http.stop(0);
        }
        assertThrows(IllegalArgumentException.class,
                () -> TokenKeys.configured(null, List.of(), "http://example.com/jwks", Duration.ofMinutes(1)),
                "http only to loopback");
    }

    @Test
    void keyFilesThatCannotCheckTokensStopTheConfiguration() throws Exception {
        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(new ECGenParameterSpec("secp384r1"));
        Path wrongCurve = write("p384.pem", PemKeys.pem("PUBLIC KEY", p384.generateKeyPair().getPublic().getEncoded()));
        Path priv = write("priv.pem", PemKeys.pem("PRIVATE KEY", EC.getPrivate().getEncoded()));
        Path ec = write("k.pem", PemKeys.pem("PUBLIC KEY", EC.getPublic().getEncoded()));
        Path sameName = Files.createDirectories(tmp.resolve("other")).resolve("k.pem");
        Files.writeString(sameName, PemKeys.pem("PUBLIC KEY", ED.getPublic().getEncoded()));
        for (List<String> bad : List.of(List.of(wrongCurve.toString()), List.of(priv.toString()),
                List.of(ec.toString(), sameName.toString()), List.of(tmp.resolve("missing.pem").toString()))) {
            assertThrows(IllegalArgumentException.class,
                    () -> TokenKeys.configured(null, bad, null, Duration.ofMinutes(1)), bad::toString);
        }
        TokenKeys.configured(null, List.of(ec.toString(), "k2=" + sameName), null, Duration.ofMinutes(1)).close();
    }

    @Test
    void signerAndCheckerAgreeOnEveryKeyKind() {
        JoinTokens tokens = new JoinTokens(TokenKeys.of(SECRET.getBytes(StandardCharsets.UTF_8), List.of(
                TokenKey.of("ec", EC.getPublic(), "ec"), TokenKey.of("ed", ED.getPublic(), "ed"))), 10);
        for (TokenSigner s : List.of(TokenSigner.hs256(SECRET.getBytes(StandardCharsets.UTF_8)),
                TokenSigner.privateKey(EC.getPrivate(), "ec"), TokenSigner.privateKey(ED.getPrivate(), "ed"))) {
            String token = s.sign(ALICE, NOW);
            assertEquals(new TokenCheck.Valid(ALICE), tokens.check(token, NOW), s.algorithm()::toString);
            String header = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
                    StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{\"alg\":\"" + s.algorithm() + "\",\"typ\":\"JWT\""), header);
        }
    }

    // --- helpers ---

    private static void assertCode(int code, TokenCheck check) {
        JoinTokensTest.assertCode(code, check);
    }

    private static void assertCode(int code, TokenCheck check, String why) {
        TokenCheck.Invalid invalid = assertInstanceOf(TokenCheck.Invalid.class, check, why);
        assertEquals(code, invalid.code(), () -> why + ": " + invalid.reason());
    }

    private static String sign(KeyPair key, String kid) {
        return TokenSigner.privateKey(key.getPrivate(), kid).sign(ALICE, NOW);
    }

    /** A token with exactly this header, signed by {@code key} with its own algorithm. */
    private static String rawToken(String header, JoinToken claims, KeyPair key) {
        String input = b64(header) + "." + payload(claims);
        try {
            java.security.Signature s = java.security.Signature.getInstance(
                    key.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSAinP1363Format" : "Ed25519");
            s.initSign(key.getPrivate());
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static String hmacToken(String header, JoinToken claims, byte[] key) {
        String input = b64(header) + "." + payload(claims);
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            return input + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static String payload(JoinToken t) {
        String issued = new JoinTokens(SECRET.getBytes(StandardCharsets.UTF_8)).issue(t, NOW);
        return issued.split("\\.")[1];
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static JWK ecJwk(String kid, KeyPair k) {
        return new ECKey.Builder(Curve.P_256, (ECPublicKey) k.getPublic()).keyID(kid).build();
    }

    private static JWK edJwk(String kid, KeyPair k) {
        byte[] spki = k.getPublic().getEncoded();
        return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32, spki.length)))
                .keyID(kid).build();
    }

    private static String jwks(JWK... keys) {
        return new JWKSet(List.of(keys)).toString(true);
    }

    private Path write(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what);
            }
            Thread.sleep(20);
        }
    }

    static KeyPair pair(String alg) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
            if (alg.equals("EC")) {
                g.initialize(new ECGenParameterSpec("secp256r1"));
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
