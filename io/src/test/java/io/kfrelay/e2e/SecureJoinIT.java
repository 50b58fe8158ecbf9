package io.kfrelay.e2e;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.client.RelayErrorException;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.Grants;
import io.kfrelay.security.JoinToken;
import io.kfrelay.security.JoinTokens;
import io.kfrelay.security.RoomAcl;
import io.kfrelay.security.SecurityMetrics;
import io.kfrelay.server.QuicConfig;
import io.kfrelay.server.RelayServer;
import io.kfrelay.server.SecurityConfig;
import io.kfrelay.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: with --require-auth, tokens decide who joins which room and what they may do, the same over WebSocket and
 * QUIC; without it, a JOIN without a token may only watch; kfrelay publish and record take --token.
 */
@Timeout(60)
class SecureJoinIT {
    private static final String SECRET = "secure-join-test-secret-0123456789abcdef";
    private static final JoinTokens TOKENS = new JoinTokens(SECRET.getBytes(StandardCharsets.UTF_8));
    private static final ClientListener NOTHING = new ClientListener() { };

    @TempDir
    Path out;

    /** A relay that requires tokens, with a WebSocket and a QUIC listener. */
    private static RelayServer relay(SecurityConfig.Builder security) throws Exception {
        return start(security.authSecret(SECRET).requireAuth(true).build());
    }

    private static RelayServer start(SecurityConfig security) throws Exception {
        ServerConfig net = ServerConfig.builder().wsListen("127.0.0.1", 0).eventLoopThreads(2).build();
        return new RelayServer(net, RelayConfig.defaults())
                .withQuic(QuicConfig.builder().listen("127.0.0.1", 0).build())
                .withSecurity(security)
                .start();
    }

    private static URI url(RelayServer server, Transport transport) {
        return transport == Transport.WS ? URI.create("ws://127.0.0.1:" + server.wsPort())
                : URI.create("quic://127.0.0.1:" + server.quic().address().getPort());
    }

    private static ClientOptions options(RelayServer server, Transport transport) {
        ClientOptions o = ClientOptions.defaults();
        return transport == Transport.QUIC ? o.toBuilder().quic(o.quic().withPin(server.quic().fingerprint())).build() : o;
    }

    static String token(String identity, String room, Grants grants, long ttlSeconds) {
        long now = System.currentTimeMillis() / 1000;
        return TOKENS.issue(new JoinToken(identity, room, grants, now + ttlSeconds, 0), now);
    }

    private static KfRelayClient connect(RelayServer server, Transport transport, ClientListener listener) throws Exception {
        return KfRelayClient.connect(url(server, transport), options(server, transport), listener).get(5, TimeUnit.SECONDS);
    }

    private static RelayErrorException refused(CompletableFuture<?> join) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> join.get(5, TimeUnit.SECONDS));
        return assertInstanceOf(RelayErrorException.class, e.getCause());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void grantsDecideWhoMayPublishAndWhoReceives(Transport transport) throws Exception {
        try (RelayServer server = relay(SecurityConfig.builder())) {
            Received viewer = new Received();
            KfRelayClient v = connect(server, transport, viewer);
            v.join("show", "viewer", token("viewer", "show", new Grants(false, true), 60)).get(5, TimeUnit.SECONDS);
            Received blindReceived = new Received();
            KfRelayClient blind = connect(server, transport, blindReceived);
            blind.join("show", "camera", token("camera", "sh*", new Grants(true, false), 60)).get(5, TimeUnit.SECONDS);

            int packets = blind.publishFrame(1, Protocol.KIND_VIDEO, true, new byte[3000], 0);
            Eventually.within(Duration.ofSeconds(5), "the viewer receives the camera", () -> viewer.packetCount() == packets);

            // The viewer may not publish: its first packet gets it dropped with PUBLISH_NOT_ALLOWED.
            v.publishFrame(2, Protocol.KIND_AUDIO, false, new byte[100], 0);
            v.closeFuture().get(5, TimeUnit.SECONDS);
            assertTrue(viewer.errors.stream().anyMatch(e -> e instanceof RelayErrorException r
                    && r.code() == ErrorCodes.PUBLISH_NOT_ALLOWED), () -> "errors: " + viewer.errors);
            assertTrue(server.core().metrics().drops(DropReason.PUBLISH_NOT_ALLOWED) >= 1);
            Eventually.within(Duration.ofSeconds(5), "the camera sees the viewer leave",
                    () -> blindReceived.events.contains("left " + v.participantId()));
            assertEquals(0, blindReceived.packetCount(), "the publish-only camera receives no media");
            blind.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void withOptionalTokensAJoinWithoutATokenMayWatchButNeverPublish(Transport transport) throws Exception {
        SecurityConfig optional = SecurityConfig.builder().authSecret(SECRET)
                .roomAcl(new RoomAcl(Map.of("vip", Set.of("alice")))).build();
        try (RelayServer server = start(optional)) {
            Received strangerReceived = new Received();
            KfRelayClient stranger = connect(server, transport, strangerReceived);
            stranger.join("show", "stranger", "").get(5, TimeUnit.SECONDS);
            KfRelayClient camera = connect(server, transport, NOTHING);
            camera.join("show", "camera", token("camera", "show", new Grants(true, false), 60)).get(5, TimeUnit.SECONDS);

            int packets = camera.publishFrame(1, Protocol.KIND_VIDEO, true, new byte[3000], 0);
            Eventually.within(Duration.ofSeconds(5), "the tokenless stranger watches the camera",
                    () -> strangerReceived.packetCount() == packets);

            stranger.publishFrame(2, Protocol.KIND_AUDIO, false, new byte[100], 0);
            stranger.closeFuture().get(5, TimeUnit.SECONDS);
            assertTrue(strangerReceived.errors.stream().anyMatch(e -> e instanceof RelayErrorException r
                    && r.code() == ErrorCodes.PUBLISH_NOT_ALLOWED), () -> "errors: " + strangerReceived.errors);

            KfRelayClient claimsAlice = connect(server, transport, NOTHING);
            assertEquals(ErrorCodes.TOKEN_REQUIRED, refused(claimsAlice.join("vip", "alice", "")).code(),
                    "a room with an allow-list does not take a claimed identity");
            claimsAlice.close();
            camera.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void badTokensAreRefusedWithTheirCode(Transport transport) throws Exception {
        try (RelayServer server = relay(SecurityConfig.builder().roomAcl(new RoomAcl(Map.of("vip", Set.of("alice")))))) {
            long now = System.currentTimeMillis() / 1000;
            Map<Integer, String[]> cases = Map.of(
                    ErrorCodes.TOKEN_REQUIRED, new String[] {"lobby", "alice", ""},
                    ErrorCodes.TOKEN_EXPIRED, new String[] {"lobby", "alice",
                            TOKENS.issue(new JoinToken("alice", "lobby", Grants.ALL, now - 60, 0), now - 120)},
                    ErrorCodes.TOKEN_WRONG_ROOM, new String[] {"lobby", "alice", token("alice", "stage", Grants.ALL, 60)},
                    ErrorCodes.NOT_ON_ROOM_ACL, new String[] {"vip", "bob", token("bob", "*", Grants.ALL, 60)});
            for (Map.Entry<Integer, String[]> c : cases.entrySet()) {
                KfRelayClient client = connect(server, transport, NOTHING);
                String[] join = c.getValue();
                assertEquals(c.getKey(), refused(client.join(join[0], join[1], join[2])).code());
                client.close();
            }
            assertEquals(1, server.security().metrics().get(SecurityMetrics.Counter.TOKEN_EXPIRED));
            assertEquals(1, server.security().metrics().get(SecurityMetrics.Counter.NOT_ON_ROOM_ACL));
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aPublisherOverItsRateIsThrottled(Transport transport) throws Exception {
        try (RelayServer server = relay(SecurityConfig.builder().ingressPacketsPerSecond(200)
                .rateLimitGrace(Duration.ofSeconds(30)))) {
            Received viewer = new Received();
            connect(server, transport, viewer).join("r", "v", token("v", "r", Grants.ALL, 60)).get(5, TimeUnit.SECONDS);
            KfRelayClient pub = connect(server, transport, NOTHING);
            pub.join("r", "p", token("p", "r", Grants.ALL, 60)).get(5, TimeUnit.SECONDS);
            long sent = 0;
            for (int i = 0; i < 100; i++) {
                sent += pub.publishFrame(1, Protocol.KIND_AUDIO, false, new byte[100], i * 960L);
                sent += pub.publishFrame(2, Protocol.KIND_AUDIO, false, new byte[100], i * 960L);
                sent += pub.publishFrame(3, Protocol.KIND_AUDIO, false, new byte[100], i * 960L);
            }
            long total = sent;
            SecurityMetrics m = server.security().metrics();
            Eventually.within(Duration.ofSeconds(5), "messages over 200 per second are dropped",
                    () -> m.get(SecurityMetrics.Counter.RATE_LIMITED_MESSAGES) > 0);
            Thread.sleep(300);
            assertTrue(viewer.packetCount() < total, () -> "the viewer got " + viewer.packetCount() + " of " + total);
            assertTrue(viewer.packetCount() >= 150, () -> "about one second's worth got through: " + viewer.packetCount());
            assertTrue(!pub.isClosed(), "a burst is dropped, not punished");
        }
    }

    @Test
    void publishAndRecordTakeATokenAndRecordReportsARefusal() throws Exception {
        try (RelayServer server = relay(SecurityConfig.builder())) {
            String url = "ws://127.0.0.1:" + server.wsPort();
            CompletableFuture<CliRun> publish = CompletableFuture.supplyAsync(() -> CliRun.of("publish", "--url", url,
                    "--room", "demo", "--identity", "cam", "--token", token("cam", "demo", Grants.ALL, 60),
                    "--file", "src/test/resources/media/sample.h264"));
            Thread.sleep(500);
            CliRun record = CliRun.of("record", "--url", url, "--room", "demo", "--identity", "rec", "--token",
                    token("rec", "demo", new Grants(false, true), 60), "--out", out.toString(), "--duration", "2s");
            assertEquals(0, record.status(), record.err());
            assertTrue(record.out().matches("(?s).*recorded [1-9][0-9]* packets.*"), record.out());
            CliRun published = publish.get(20, TimeUnit.SECONDS);
            assertEquals(0, published.status(), published.err());

            CliRun refusedRecord = CliRun.of("record", "--url", url, "--room", "demo", "--identity", "rec",
                    "--token", token("rec", "other", Grants.ALL, 60), "--out", out.toString(), "--duration", "1s");
            assertEquals(1, refusedRecord.status());
            assertTrue(refusedRecord.err().contains("error 116 TOKEN_WRONG_ROOM"), refusedRecord.err());
        }
    }

    /**
     * Issue 16: a backend signs with its private key (ES256, or EdDSA from a JWKS) and the relay, holding only the
     * public keys, admits exactly those tokens; keys made and tokens signed by ./kfrelay token.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void tokensSignedWithAPrivateKeyAreCheckedWithItsPublicKey(Transport transport) throws Exception {
        Path keys = out.resolve("keys");
        for (String[] gen : new String[][] {{"ec", "backend-ec"}, {"ed25519", "backend-ed"}, {"ec", "stranger"}}) {
            CliRun made = CliRun.of("token", "--gen-key", gen[0], "--kid", gen[1], "--out", keys.toString());
            assertEquals(0, made.status(), made.err());
        }
        SecurityConfig security = SecurityConfig.builder().requireAuth(true)
                .authPublicKeys(java.util.List.of(keys.resolve("backend-ec.pem").toString()))
                .authJwks(keys.resolve("backend-ed.jwks.json").toString()).build();
        try (RelayServer server = start(security)) {
            Received viewer = new Received();
            KfRelayClient v = connect(server, transport, viewer);
            v.join("show", "viewer", signed(keys, "backend-ed", "viewer", "show", "--subscribe")).get(5, TimeUnit.SECONDS);
            KfRelayClient camera = connect(server, transport, NOTHING);
            camera.join("show", "camera", signed(keys, "backend-ec", "camera", "show", "--publish")).get(5, TimeUnit.SECONDS);
            int packets = camera.publishFrame(1, Protocol.KIND_VIDEO, true, new byte[3000], 0);
            Eventually.within(Duration.ofSeconds(5), "the viewer receives the camera", () -> viewer.packetCount() == packets);

            // A key the relay does not have, under its own kid and under the relay's; an EdDSA token under the EC key's kid.
            String[] forged = signed(keys, "stranger", "mallory", "show", "--publish").split("\\.");
            String[] ed = signed(keys, "backend-ed", "mallory", "show", "--publish").split("\\.");
            Map<Integer, String> cases = Map.of(
                    ErrorCodes.TOKEN_UNKNOWN_KEY, String.join(".", forged),
                    ErrorCodes.TOKEN_BAD_SIGNATURE, header("ES256", "backend-ec") + "." + forged[1] + "." + forged[2],
                    ErrorCodes.TOKEN_WRONG_ALGORITHM, header("EdDSA", "backend-ec") + "." + ed[1] + "." + ed[2]);
            for (Map.Entry<Integer, String> c : cases.entrySet()) {
                KfRelayClient client = connect(server, transport, NOTHING);
                assertEquals(c.getKey(), refused(client.join("show", "mallory", c.getValue())).code(), c::toString);
                client.close();
            }
            assertEquals(1, server.security().metrics().get(SecurityMetrics.Counter.TOKEN_UNKNOWN_KEY));
            assertEquals(1, server.security().metrics().get(SecurityMetrics.Counter.TOKEN_BAD_SIGNATURE));
            assertEquals(1, server.security().metrics().get(SecurityMetrics.Counter.TOKEN_WRONG_ALGORITHM));
            camera.close();
            v.close();
        }
    }

    private static String header(String alg, String kid) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    /** A token signed by ./kfrelay token with KID's private key. */
    private static String signed(Path keys, String kid, String identity, String room, String grant) {
        CliRun run = CliRun.of("token", "--private-key", keys.resolve(kid + "-private.pem").toString(), "--kid", kid,
                "--room", room, "--identity", identity, grant, "--ttl", "60s");
        assertEquals(0, run.status(), run.err());
        return run.out().strip().lines().reduce((a, b) -> b).orElseThrow();
    }
}
