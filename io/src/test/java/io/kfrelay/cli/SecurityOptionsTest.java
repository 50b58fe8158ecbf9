package io.kfrelay.cli;

import io.kfrelay.security.JoinToken;
import io.kfrelay.security.JoinTokens;
import io.kfrelay.security.RoomAcl;
import io.kfrelay.security.TokenCheck;
import io.kfrelay.security.TokenKeys;
import io.kfrelay.room.Grants;
import io.kfrelay.server.SecurityConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** serve's security options and the token command. */
class SecurityOptionsTest {
    private static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!";

    @TempDir
    Path tmp;

    private final StringWriter err = new StringWriter();

    private ServeCommand parse(Map<String, String> env, String... serveArgs) {
        String[] args = new String[serveArgs.length + 1];
        args[0] = "serve";
        System.arraycopy(serveArgs, 0, args, 1, serveArgs.length);
        CommandLine cmd = Main.commandLine(args, env, new PrintWriter(err, true));
        if (cmd == null) {
            return null;
        }
        return (ServeCommand) cmd.parseArgs(args).subcommand().commandSpec().userObject();
    }

    @Test
    void defaultsAreOpenModeWithTheDocumentedLimits() {
        ServeCommand serve = parse(Map.of());
        assertEquals(SecurityConfig.defaults(), serve.security.securityConfig());
        assertEquals(1000, serve.relayConfig().maxParticipantsPerRoom());
        assertEquals(10_000, serve.relayConfig().maxRooms());
    }

    @Test
    void everyOptionReachesTheConfig() {
        ServeCommand serve = parse(Map.of("KFRELAY_AUTH_SECRET", SECRET), "--require-auth",
                "--room-acl", "vip=alice, carol", "--room-acl", "stage=bob", "--max-control-bytes", "6k",
                "--ingress-packet-rate", "500", "--ingress-byte-rate", "1m", "--rate-limit-grace", "2s",
                "--join-rate-per-address", "7", "--max-pending-per-address", "9", "--max-participants-per-room", "50",
                "--max-rooms", "20");
        SecurityConfig c = serve.security.securityConfig();
        assertEquals(SECRET, c.authSecret(), "the secret comes from the environment");
        assertTrue(c.requireAuth());
        assertEquals(new RoomAcl(Map.of("vip", Set.of("alice", "carol"), "stage", Set.of("bob"))), c.roomAcl());
        assertEquals(6 * 1024, c.maxControlBytes());
        assertEquals(500, c.ingressPacketsPerSecond());
        assertEquals(1024 * 1024, c.ingressBytesPerSecond());
        assertEquals(Duration.ofSeconds(2), c.rateLimitGrace());
        assertEquals(7, c.joinsPerSecondPerAddress());
        assertEquals(9, c.maxPendingPerAddress());
        assertEquals(50, serve.relayConfig().maxParticipantsPerRoom());
        assertEquals(20, serve.relayConfig().maxRooms());
        assertFalse(c.toString().contains(SECRET), "the secret is never printed");
    }

    @Test
    void theConfigFileTakesOneAllowListKeyPerRoom() throws IOException {
        Path f = tmp.resolve("kfrelay.properties");
        Files.write(f, List.of("auth-secret=" + SECRET, "require-auth=true", "room-acl.vip = alice, carol",
                "room-acl.board\\ room = dana", "join-rate-per-address=5"));
        ServeCommand serve = parse(Map.of(), "--config", f.toString());
        assertTrue(err.toString().isEmpty(), err::toString);
        SecurityConfig c = serve.security.securityConfig();
        assertTrue(c.requireAuth());
        assertEquals(new RoomAcl(Map.of("vip", Set.of("alice", "carol"), "board room", Set.of("dana"))), c.roomAcl());
        assertEquals(5, c.joinsPerSecondPerAddress());

        Files.write(f, List.of("room-acl.vip=alice", "room-acls.vip=bob"));
        assertNull(parse(Map.of(), "--config", f.toString()), "a key that names no option is still an error");
        assertTrue(err.toString().contains("unknown key room-acls.vip"), err::toString);
    }

    @Test
    void inconsistentSettingsAreRefusedWithTheOptionsName() {
        assertEquals("require-auth needs an auth-secret (or auth-public-key, auth-jwks) to check tokens with", assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), "--require-auth").security.securityConfig()).getMessage());
        assertEquals("auth-secret must be at least 32 bytes (HS256 needs a 256-bit key)", assertThrows(
                IllegalArgumentException.class, () -> parse(Map.of(), "--auth-secret", "short").security.securityConfig())
                .getMessage());
        assertEquals("room-acl.vip lists no identity", assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), "--room-acl", "vip= , ").security.securityConfig()).getMessage());
    }

    @Test
    void serveHelpNeverShowsTheSecret() {
        StringWriter out = new StringWriter();
        int status = Main.run(new String[] {"serve", "--help"}, Map.of("KFRELAY_AUTH_SECRET", SECRET),
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, status);
        assertTrue(out.toString().contains("--auth-secret"));
        assertFalse(out.toString().contains(SECRET), out::toString);
    }

    @Test
    void tokenPrintsOneTokenTheRelayAccepts() {
        StringWriter out = new StringWriter();
        int status = Main.run(new String[] {"token", "--secret", SECRET, "--room", "team-*", "--identity", "alice",
                "--publish", "--ttl", "90s"}, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, status, err::toString);
        List<String> lines = out.toString().lines().toList();
        String token = lines.getLast();
        long now = System.currentTimeMillis() / 1000;
        TokenCheck.Valid valid = assertInstanceOf(TokenCheck.Valid.class,
                new JoinTokens(SECRET.getBytes(StandardCharsets.UTF_8)).check(token, now));
        JoinToken t = valid.token();
        assertEquals("alice", t.identity());
        assertEquals("team-*", t.room());
        assertEquals(new Grants(true, false), t.grants());
        assertTrue(Math.abs(t.expiresAt() - (now + 90)) <= 2, () -> "expires in 90 s: " + t);
    }

    @Test
    void tokenRefusesWhatCouldNeverJoin() {
        StringWriter out = new StringWriter();
        assertEquals(2, Main.run(new String[] {"token", "--secret", SECRET, "--room", "r", "--identity", "a"}, Map.of(),
                new PrintWriter(out, true), new PrintWriter(err, true)));
        assertTrue(err.toString().contains("grant --publish, --subscribe or both"), err::toString);
        assertEquals(2, Main.run(new String[] {"token", "--secret", "short", "--room", "r", "--identity", "a", "--subscribe"},
                Map.of(), new PrintWriter(out, true), new PrintWriter(err, true)));
        assertTrue(err.toString().contains("at least 32 bytes"), err::toString);
    }

    @Test
    void publicKeyOptionsReachTheConfig() throws IOException {
        Path jwks = Files.writeString(tmp.resolve("k.jwks"), "{\"keys\":[]}");
        ServeCommand serve = parse(Map.of("KFRELAY_AUTH_PUBLIC_KEY", "a.pem, b=c.pem"), "--auth-jwks", jwks.toString(),
                "--auth-jwks-refresh", "1m", "--auth-clock-skew", "30s", "--require-auth");
        SecurityConfig c = serve.security.securityConfig();
        assertEquals(List.of("a.pem", "b=c.pem"), c.authPublicKeys());
        assertEquals(jwks.toString(), c.authJwks());
        assertEquals(Duration.ofMinutes(1), c.authJwksRefresh());
        assertEquals(Duration.ofSeconds(30), c.authClockSkew());
        assertTrue(c.tokensEnabled() && c.requireAuth(), "public keys alone check tokens");
        assertEquals(SecurityConfig.DEFAULT_AUTH_CLOCK_SKEW, parse(Map.of()).security.securityConfig().authClockSkew());
        assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), "--auth-secret", SECRET, "--auth-clock-skew", "10m").security.securityConfig());
    }

    @Test
    void tokenSignsWithAGeneratedPrivateKeyAndTheRelayChecksItWithThePublicOne() {
        for (String kind : List.of("ec", "ed25519")) {
            StringWriter out = new StringWriter();
            String kid = "k-" + kind;
            assertEquals(0, Main.run(new String[] {"token", "--gen-key", kind, "--kid", kid, "--out", tmp.toString()},
                    Map.of(), new PrintWriter(out, true), new PrintWriter(err, true)), err::toString);
            assertEquals(2, Main.run(new String[] {"token", "--gen-key", kind, "--kid", kid, "--out", tmp.toString()},
                    Map.of(), new PrintWriter(out, true), new PrintWriter(err, true)), "never overwrites a key");
            String priv = tmp.resolve(kid + "-private.pem").toString();
            assertEquals(2, Main.run(new String[] {"token", "--private-key", priv, "--room", "r", "--identity", "a",
                    "--subscribe"}, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true)), "needs --kid");
            StringWriter tokenOut = new StringWriter();
            assertEquals(0, Main.run(new String[] {"token", "--private-key", priv, "--kid", kid, "--room", "r",
                    "--identity", "a", "--subscribe"}, Map.of(), new PrintWriter(tokenOut, true), new PrintWriter(err, true)),
                    err::toString);
            String token = tokenOut.toString().lines().toList().getLast();
            long now = System.currentTimeMillis() / 1000;
            for (String keys : List.of("pem", "jwks")) {
                try (TokenKeys k = keys.equals("pem")
                        ? TokenKeys.configured(null, List.of(tmp.resolve(kid + ".pem").toString()), null, Duration.ofMinutes(1))
                        : TokenKeys.configured(null, List.of(), tmp.resolve(kid + ".jwks.json").toString(), Duration.ofMinutes(1))) {
                    TokenCheck.Valid valid = assertInstanceOf(TokenCheck.Valid.class, new JoinTokens(k, 10).check(token, now),
                            kind + " " + keys);
                    assertEquals(new Grants(false, true), valid.token().grants());
                }
            }
        }
    }
}
