package io.kfrelay.bench;

import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.security.JoinAuthorizer;
import io.kfrelay.security.JoinDecision;
import io.kfrelay.server.SecurityConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What checking a JOIN's token costs the I/O thread: {@link JoinAuthorizer#authorize} with tokens required, as
 * {@code SecurityGate} calls it for every JOIN (token, then allow-list; none configured here), on the relay's own
 * clock. The tokens are made here with the JDK's HMAC, not with the relay's issuer, so the same benchmark measures
 * any implementation of the check: one valid HS256 token, and the same token with its signature's first byte
 * changed (refused, TOKEN_BAD_SIGNATURE). Since issue 16 also an ES256 and an EdDSA token (signed with the JDK,
 * checked with the public key their kid selects, from PEM files) on a relay that has the secret and both keys.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class TokenCheckBenchmark extends BenchmarkDefaults {
    static final String SECRET = "benchmark-secret-of-at-least-32-bytes!!";
    static final String ROOM = "room-42";
    static final String IDENTITY = "alice";

    private JoinAuthorizer authorizer;
    private JoinAuthorizer withPublicKeys;
    private String hs256;
    private String hs256BadSignature;
    private String es256;
    private String eddsa;

    @Setup
    public void setup() throws Exception {
        authorizer = new JoinAuthorizer(SecurityConfig.builder().authSecret(SECRET).requireAuth(true).build());
        long now = System.currentTimeMillis() / 1000;
        hs256 = hs256("{\"sub\":\"" + IDENTITY + "\",\"room\":\"" + ROOM + "\",\"canPublish\":true,\"canSubscribe\":true,"
                + "\"iat\":" + now + ",\"exp\":" + (now + 86_400) + "}");
        int sig = hs256.lastIndexOf('.') + 1;
        hs256BadSignature = hs256.substring(0, sig) + (hs256.charAt(sig) == 'A' ? 'B' : 'A') + hs256.substring(sig + 1);
        expectAdmit(authorizer, hs256);
        expectRefuse(hs256BadSignature, ErrorCodes.TOKEN_BAD_SIGNATURE);

        KeyPair ec = pair("EC");
        KeyPair ed = pair("Ed25519");
        Path dir = Files.createTempDirectory("kfrelay-bench-keys");
        Path ecPem = Files.writeString(dir.resolve("ec.pem"), pem(ec));
        Path edPem = Files.writeString(dir.resolve("ed.pem"), pem(ed));
        withPublicKeys = new JoinAuthorizer(SecurityConfig.builder().authSecret(SECRET).requireAuth(true)
                .authPublicKeys(List.of(ecPem.toString(), edPem.toString())).build());
        Files.delete(ecPem);
        Files.delete(edPem);
        Files.delete(dir);
        String claims = "{\"sub\":\"" + IDENTITY + "\",\"room\":\"" + ROOM + "\",\"canPublish\":true,\"canSubscribe\":true,"
                + "\"iat\":" + now + ",\"exp\":" + (now + 86_400) + "}";
        es256 = signed("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"ec\"}", claims, "SHA256withECDSAinP1363Format", ec);
        eddsa = signed("{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"ed\"}", claims, "Ed25519", ed);
        expectAdmit(withPublicKeys, es256);
        expectAdmit(withPublicKeys, eddsa);
    }

    @TearDown
    public void tearDown() {
        withPublicKeys.close();
    }

    @Benchmark
    public JoinDecision es256Valid() {
        return withPublicKeys.authorize(ROOM, IDENTITY, es256);
    }

    @Benchmark
    public JoinDecision eddsaValid() {
        return withPublicKeys.authorize(ROOM, IDENTITY, eddsa);
    }

    @Benchmark
    public JoinDecision hs256Valid() {
        return authorizer.authorize(ROOM, IDENTITY, hs256);
    }

    @Benchmark
    public JoinDecision hs256BadSignature() {
        return authorizer.authorize(ROOM, IDENTITY, hs256BadSignature);
    }

    private static void expectAdmit(JoinAuthorizer a, String token) {
        if (!(a.authorize(ROOM, IDENTITY, token) instanceof JoinDecision.Admit)) {
            throw new IllegalStateException("expected an admitted JOIN, got " + a.authorize(ROOM, IDENTITY, token));
        }
    }

    private static KeyPair pair(String alg) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
        if (alg.equals("EC")) {
            g.initialize(new ECGenParameterSpec("secp256r1"));
        }
        return g.generateKeyPair();
    }

    private static String pem(KeyPair k) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(k.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    private static String signed(String header, String claims, String algorithm, KeyPair k) throws Exception {
        String input = b64(header.getBytes(StandardCharsets.UTF_8)) + "." + b64(claims.getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance(algorithm);
        s.initSign(k.getPrivate());
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + b64(s.sign());
    }

    private void expectRefuse(String token, int code) {
        JoinDecision d = authorizer.authorize(ROOM, IDENTITY, token);
        if (!(d instanceof JoinDecision.Refuse r) || r.code() != code) {
            throw new IllegalStateException("expected a refusal with code " + code + ", got " + d);
        }
    }

    static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String hs256(String claims) throws Exception {
        String input = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64(claims.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return input + "." + b64(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    }
}
