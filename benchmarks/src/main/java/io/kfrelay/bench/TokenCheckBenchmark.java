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

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * What checking a JOIN's token costs the I/O thread: {@link JoinAuthorizer#authorize} with tokens required, as
 * {@code SecurityGate} calls it for every JOIN (token, then allow-list; none configured here), on the relay's own
 * clock. The tokens are made here with the JDK's HMAC, not with the relay's issuer, so the same benchmark measures
 * any implementation of the check: one valid HS256 token, and the same token with its signature's first byte
 * changed (refused, TOKEN_BAD_SIGNATURE).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class TokenCheckBenchmark extends BenchmarkDefaults {
    static final String SECRET = "benchmark-secret-of-at-least-32-bytes!!";
    static final String ROOM = "room-42";
    static final String IDENTITY = "alice";

    private JoinAuthorizer authorizer;
    private String hs256;
    private String hs256BadSignature;

    @Setup
    public void setup() throws Exception {
        authorizer = new JoinAuthorizer(SecurityConfig.builder().authSecret(SECRET).requireAuth(true).build());
        long now = System.currentTimeMillis() / 1000;
        hs256 = hs256("{\"sub\":\"" + IDENTITY + "\",\"room\":\"" + ROOM + "\",\"canPublish\":true,\"canSubscribe\":true,"
                + "\"iat\":" + now + ",\"exp\":" + (now + 86_400) + "}");
        int sig = hs256.lastIndexOf('.') + 1;
        hs256BadSignature = hs256.substring(0, sig) + (hs256.charAt(sig) == 'A' ? 'B' : 'A') + hs256.substring(sig + 1);
        expectAdmit(hs256);
        expectRefuse(hs256BadSignature, ErrorCodes.TOKEN_BAD_SIGNATURE);
    }

    @Benchmark
    public JoinDecision hs256Valid() {
        return authorizer.authorize(ROOM, IDENTITY, hs256);
    }

    @Benchmark
    public JoinDecision hs256BadSignature() {
        return authorizer.authorize(ROOM, IDENTITY, hs256BadSignature);
    }

    private void expectAdmit(String token) {
        if (!(authorizer.authorize(ROOM, IDENTITY, token) instanceof JoinDecision.Admit)) {
            throw new IllegalStateException("expected an admitted JOIN, got " + authorizer.authorize(ROOM, IDENTITY, token));
        }
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
