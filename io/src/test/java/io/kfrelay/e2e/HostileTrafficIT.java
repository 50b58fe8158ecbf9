package io.kfrelay.e2e;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.client.RelayErrorException;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.Grants;
import io.kfrelay.security.JoinToken;
import io.kfrelay.security.JoinTokens;
import io.kfrelay.security.RoomAcl;
import io.kfrelay.security.SecurityMetrics;
import io.kfrelay.server.RelayServer;
import io.kfrelay.server.SecurityConfig;
import io.kfrelay.server.ServerConfig;
import io.kfrelay.transport.TransportMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: while a good room streams, strangers send the relay garbage, oversized and text frames, floods, half-open
 * connections and bad tokens. The good room loses no packet and every packet arrives within 1 s of its sending;
 * every attacker is answered (an ERROR, or a close where there is no WebSocket yet) and counted; the relay
 * keeps running. Each attacker comes from its own loopback address, as another host would.
 */
@Timeout(120)
class HostileTrafficIT {
    private static final String SECRET = "hostile-traffic-test-secret-0123456789";
    private static final JoinTokens TOKENS = new JoinTokens(SECRET.getBytes(StandardCharsets.UTF_8));
    private static final Duration BOUND = Duration.ofSeconds(1);
    private static final int FRAMES = 500; // 10 s at 50 fps: the whole attack happens meanwhile
    private static final long FRAME_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final int JOIN_FLOOD = 40;
    private static final int HALF_OPEN_TCP = 12;
    private static final int PENDING_CAP = 8;
    private static final int SILENT_WEBSOCKETS = 3;

    @Test
    void aGoodRoomKeepsFlowingWhileTheRelayIsAttacked() throws Exception {
        ServerConfig net = ServerConfig.builder().wsListen("127.0.0.1", 0).eventLoopThreads(2)
                .joinTimeout(Duration.ofSeconds(1)).drainTimeout(Duration.ofSeconds(2)).build();
        SecurityConfig security = SecurityConfig.builder().authSecret(SECRET).requireAuth(true)
                .roomAcl(new RoomAcl(Map.of("good", Set.of("pub", "sub-1", "sub-2", "viewer", "late"))))
                .ingressPacketsPerSecond(2000).ingressBytesPerSecond(4L << 20).rateLimitGrace(Duration.ofSeconds(1))
                .joinsPerSecondPerAddress(20).maxPendingPerAddress(PENDING_CAP).build();
        List<KfRelayClient> clients = new ArrayList<>();
        try (RelayServer server = new RelayServer(net, RelayConfig.defaults()).withSecurity(security).start()) {
            int port = server.wsPort();
            URI url = URI.create("ws://127.0.0.1:" + port);

            // The good room: one publisher, two subscribers, all with tokens, all on the room's allow-list.
            List<Received> subscribers = List.of(new Received(), new Received());
            for (int i = 0; i < subscribers.size(); i++) {
                clients.add(join(url, "good", "sub-" + (i + 1), new Grants(false, true), subscribers.get(i)));
            }
            KfRelayClient pub = join(url, "good", "pub", Grants.ALL, new Received());
            clients.add(pub);
            for (Received r : subscribers) {
                Eventually.within(Duration.ofSeconds(5), "subscribers see the publisher",
                        () -> r.events.contains("joined " + pub.participantId()));
            }

            Map<Long, Long> sentAt = new ConcurrentHashMap<>();
            CompletableFuture<Long> streamed = CompletableFuture.supplyAsync(() -> stream(pub, sentAt),
                    r -> Thread.ofPlatform().name("good-publisher").daemon().start(r));

            // The attack, all while the good room streams.
            Attack attack = new Attack(port);
            attack.malformed();
            attack.oversized();
            attack.textFrames();
            attack.badTokens();
            attack.publishWithoutTheGrant();
            attack.joinFlood();
            attack.halfOpen();
            attack.mediaFlood();
            assertTrue(!streamed.isDone(), "the attack ran while the good room was streaming");

            long packets = streamed.get(30, TimeUnit.SECONDS);
            TransportMetrics t = server.metrics();
            SecurityMetrics s = server.security().metrics();
            String counters = t.snapshot() + " " + s.snapshot();

            // The good room lost nothing and stayed fast.
            for (Received r : subscribers) {
                Eventually.within(Duration.ofSeconds(5), () -> "a subscriber gets all " + packets + " packets, has "
                        + r.packetCount() + "; " + counters, () -> r.packetCount() == packets);
                List<Received.Packet> got = r.stream(pub.participantId(), 1);
                assertEquals(packets, got.size());
                long worst = 0;
                for (int i = 0; i < got.size(); i++) {
                    assertEquals(got.getFirst().seq() + i, got.get(i).seq(), "every packet once, in order");
                    worst = Math.max(worst, got.get(i).arrivalNanos() - sentAt.get(got.get(i).timestamp()));
                }
                long worstMillis = worst / 1_000_000;
                assertTrue(worst < BOUND.toNanos(), () -> "every packet within " + BOUND.toMillis() + " ms, the slowest took "
                        + worstMillis + " ms; " + counters);
                assertTrue(r.errors.isEmpty(), () -> "no client errors: " + r.errors);
                System.out.printf("HostileTrafficIT: a subscriber got all %d packets, the slowest in %d ms%n", packets, worstMillis);
            }
            System.out.println("HostileTrafficIT: " + counters);

            // The relay is alive and admits a good participant as before.
            assertTrue(server.isRunning());
            Received late = new Received();
            KfRelayClient lateClient = join(url, "good", "late", new Grants(false, true), late);
            clients.add(lateClient);
            assertTrue(lateClient.joined().participants().stream().anyMatch(p -> p.identity().equals("pub")));

            // Every rejection was counted, each under its reason.
            assertEquals(1, t.malformed(DecodeStatus.BAD_VERSION), counters);
            assertEquals(1, t.malformed(DecodeStatus.UNKNOWN_TYPE), counters); // text frames are counted as such
            assertEquals(1, t.malformed(DecodeStatus.BAD_LENGTH), counters);
            assertEquals(1, t.malformed(DecodeStatus.TOO_SHORT), counters);
            assertEquals(1, t.malformed(DecodeStatus.BAD_STRING), counters);
            assertEquals(1, t.get(TransportMetrics.Counter.OVERSIZED_FRAMES), counters);
            assertEquals(2, t.get(TransportMetrics.Counter.TEXT_FRAMES), counters);
            assertEquals(PENDING_CAP + SILENT_WEBSOCKETS, t.get(TransportMetrics.Counter.JOIN_TIMEOUTS), counters);
            assertEquals(HALF_OPEN_TCP - PENDING_CAP, s.get(SecurityMetrics.Counter.CONNECTIONS_REFUSED), counters);
            assertEquals(1, s.get(SecurityMetrics.Counter.CONTROL_TOO_LARGE), counters);
            for (SecurityMetrics.Counter c : List.of(SecurityMetrics.Counter.TOKEN_REQUIRED, SecurityMetrics.Counter.TOKEN_EXPIRED,
                    SecurityMetrics.Counter.TOKEN_BAD_SIGNATURE, SecurityMetrics.Counter.TOKEN_WRONG_ROOM,
                    SecurityMetrics.Counter.TOKEN_WRONG_IDENTITY, SecurityMetrics.Counter.NOT_ON_ROOM_ACL,
                    SecurityMetrics.Counter.GRANT_MISSING)) {
                assertEquals(1, s.get(c), () -> c + " " + counters);
            }
            assertEquals(1 + JOIN_FLOOD, s.get(SecurityMetrics.Counter.TOKEN_MALFORMED) + s.get(SecurityMetrics.Counter.TOO_MANY_JOINS),
                    counters);
            assertEquals(attack.joinFloodThrottled, s.get(SecurityMetrics.Counter.TOO_MANY_JOINS), counters);
            assertTrue(attack.joinFloodThrottled > 0, "the JOIN flood hit the per-address rate");
            assertEquals(1, s.get(SecurityMetrics.Counter.RATE_LIMIT_DISCONNECTS), counters);
            assertTrue(s.get(SecurityMetrics.Counter.RATE_LIMITED_MESSAGES) > 0, counters);
            assertTrue(server.core().metrics().drops(DropReason.PUBLISH_NOT_ALLOWED) >= 1, counters);
            assertEquals(0, t.get(TransportMetrics.Counter.INTERNAL_ERRORS), counters);
        } finally {
            clients.forEach(KfRelayClient::close);
        }
    }

    /** The good publisher: 50 fps, a 7-packet keyframe every 25 frames, 2-packet deltas. Returns packets sent. */
    private static long stream(KfRelayClient pub, Map<Long, Long> sentAt) {
        long start = System.nanoTime();
        long packets = 0;
        for (int f = 0; f < FRAMES; f++) {
            LockSupport.parkNanos(start + f * FRAME_NANOS - System.nanoTime());
            boolean keyframe = f % 25 == 0;
            long timestamp = f * 1800L;
            sentAt.put(timestamp, System.nanoTime());
            packets += pub.publishFrame(1, Protocol.KIND_VIDEO, keyframe, new byte[keyframe ? 8000 : 2000], timestamp);
        }
        return packets;
    }

    private static KfRelayClient join(URI url, String room, String identity, Grants grants, ClientListener listener)
            throws Exception {
        KfRelayClient c = KfRelayClient.connect(url, listener).get(5, TimeUnit.SECONDS);
        c.join(room, identity, token(identity, room, grants, 60)).get(5, TimeUnit.SECONDS);
        return c;
    }

    private static String token(String identity, String room, Grants grants, long ttlSeconds) {
        long now = System.currentTimeMillis() / 1000;
        return TOKENS.issue(new JoinToken(identity, room, grants, now + ttlSeconds, 0), now);
    }

    /** The attackers; each method is one kind of abuse and checks the answer each attacker got. */
    private static final class Attack {
        private final int port;
        long joinFloodThrottled;

        Attack(int port) {
            this.port = port;
        }

        private HostileClient from(int host) throws Exception {
            return HostileClient.connect(port, "127.0.0." + host);
        }

        /** Garbage where a message should be: one ERROR naming the problem each, then a close. */
        void malformed() throws Exception {
            byte[] badUtf8Join = {1, 0x10, 0, 2, (byte) 0xC3, 0x28, 0, 1, 'a', 0, 0};
            Map<byte[], DecodeStatus> cases = Map.of(
                    new byte[] {2, 0x10}, DecodeStatus.BAD_VERSION,
                    new byte[] {1, 0x7E, 0, 0}, DecodeStatus.UNKNOWN_TYPE,
                    new byte[] {1, 0x10, 0, (byte) 200, 'a', 'b', 'c'}, DecodeStatus.BAD_LENGTH,
                    new byte[] {1}, DecodeStatus.TOO_SHORT,
                    badUtf8Join, DecodeStatus.BAD_STRING);
            for (Map.Entry<byte[], DecodeStatus> c : cases.entrySet()) {
                try (HostileClient h = from(2)) {
                    h.sendBinary(c.getKey());
                    assertEquals(c.getValue().code(), h.awaitErrorCode());
                    h.awaitClosed();
                }
            }
        }

        /** A frame over the frame limit, and a control message over the control limit: TOO_LARGE. */
        void oversized() throws Exception {
            try (HostileClient h = from(3)) {
                h.sendBinary(new byte[100 * 1024]);
                assertEquals(DecodeStatus.TOO_LARGE.code(), h.awaitErrorCode());
            }
            try (HostileClient h = from(3)) {
                byte[] bigJoin = new byte[10 * 1024];
                bigJoin[0] = 1;
                bigJoin[1] = 0x10;
                h.sendBinary(bigJoin);
                assertEquals(DecodeStatus.TOO_LARGE.code(), h.awaitErrorCode());
            }
        }

        void textFrames() throws Exception {
            for (int i = 0; i < 2; i++) {
                try (HostileClient h = from(4)) {
                    h.sendText("{\"join\":\"good\"}");
                    assertEquals(DecodeStatus.UNKNOWN_TYPE.code(), h.awaitErrorCode());
                }
            }
        }

        /** Every way a token can be wrong, each refused with its own code. */
        void badTokens() throws Exception {
            long now = System.currentTimeMillis() / 1000;
            JoinTokens otherSecret = new JoinTokens("not-the-relays-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
            record Case(String identity, String token, int code) {
            }
            List<Case> cases = List.of(
                    new Case("sub-1", "", ErrorCodes.TOKEN_REQUIRED),
                    new Case("sub-1", TOKENS.issue(new JoinToken("sub-1", "good", Grants.ALL, now - 100, 0), now - 200),
                            ErrorCodes.TOKEN_EXPIRED),
                    new Case("sub-1", otherSecret.issue(new JoinToken("sub-1", "good", Grants.ALL, now + 60, 0), now),
                            ErrorCodes.TOKEN_BAD_SIGNATURE),
                    new Case("sub-1", token("sub-1", "other", Grants.ALL, 60), ErrorCodes.TOKEN_WRONG_ROOM),
                    new Case("pub", token("sub-1", "good", Grants.ALL, 60), ErrorCodes.TOKEN_WRONG_IDENTITY),
                    new Case("mallory", token("mallory", "good", Grants.ALL, 60), ErrorCodes.NOT_ON_ROOM_ACL),
                    new Case("sub-1", token("sub-1", "good", new Grants(false, false), 60), ErrorCodes.GRANT_MISSING),
                    new Case("sub-1", "eyJhbGciOiJIUzI1NiJ9.garbage.garbage", ErrorCodes.TOKEN_MALFORMED));
            for (Case c : cases) {
                try (HostileClient h = from(5)) {
                    h.send(new ControlMessage.Join("good", c.identity(), c.token()));
                    assertEquals(c.code(), h.awaitErrorCode(), () -> "for " + c);
                    h.awaitClosed();
                }
            }
        }

        /** A subscriber of the good room that publishes anyway: dropped, one ERROR, out. */
        void publishWithoutTheGrant() throws Exception {
            try (HostileClient h = from(6)) {
                h.send(new ControlMessage.Join("good", "viewer", token("viewer", "good", new Grants(false, true), 60)));
                for (int i = 0; i < 5; i++) {
                    h.sendBinary(media(Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END, 1, i, 500));
                }
                assertEquals(ErrorCodes.PUBLISH_NOT_ALLOWED, h.awaitErrorCode());
                h.awaitClosed();
            }
        }

        /** Many JOINs from one address, as fast as it can: the per-address rate refuses the excess. */
        void joinFlood() throws Exception {
            for (int i = 0; i < JOIN_FLOOD; i++) {
                try (HostileClient h = from(8)) {
                    h.send(new ControlMessage.Join("good", "guess-" + i, "x.y.z"));
                    int code = h.awaitErrorCode();
                    assertTrue(code == ErrorCodes.TOKEN_MALFORMED || code == ErrorCodes.TOO_MANY_JOINS, () -> "code " + code);
                    if (code == ErrorCodes.TOO_MANY_JOINS) {
                        joinFloodThrottled++;
                    }
                }
            }
        }

        /**
         * TCP connections that never speak (more than one address may hold open), and WebSockets that never JOIN:
         * the excess is closed at once, the rest when the join timeout expires.
         */
        void halfOpen() throws Exception {
            List<Socket> sockets = new ArrayList<>();
            List<HostileClient> silent = new ArrayList<>();
            try {
                for (int i = 0; i < HALF_OPEN_TCP; i++) {
                    Socket s = new Socket();
                    s.bind(new InetSocketAddress("127.0.0.9", 0));
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                    s.setSoTimeout(5_000);
                    sockets.add(s);
                }
                for (int i = 0; i < SILENT_WEBSOCKETS; i++) {
                    silent.add(from(10));
                }
                for (Socket s : sockets) {
                    InputStream in = s.getInputStream();
                    assertEquals(-1, in.read(), "the relay closes a connection that never speaks");
                }
                for (HostileClient h : silent) {
                    assertEquals(ErrorCodes.NOT_JOINED, h.awaitErrorCode());
                    h.awaitClosed();
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
                silent.forEach(HostileClient::close);
            }
        }

        /** A participant of another room sending far over its rate: dropped, then disconnected with RATE_LIMITED. */
        void mediaFlood() throws Exception {
            try (HostileClient h = from(7)) {
                h.send(new ControlMessage.Join("flood", "flooder", token("flooder", "flood", Grants.ALL, 60)));
                byte[] packet = media(Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END, 1, 0, 1000);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (h.isOpen() && System.nanoTime() < deadline) {
                    if (h.isWritable()) {
                        h.flood(packet, 100); // about 10000 messages a second against a limit of 2000
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
                assertEquals(ErrorCodes.RATE_LIMITED, h.awaitErrorCode());
                h.awaitClosed();
            }
        }

        private static byte[] media(int flags, int stream, long seq, int payload) {
            ByteBuf b = Unpooled.buffer(MediaHeader.LENGTH + payload);
            MediaHeader.write(b, flags, Protocol.KIND_VIDEO, 0, stream, seq, seq * 3000);
            b.writeZero(payload);
            return ByteBufUtil.getBytes(b);
        }
    }

    @Test
    void aRefusedTokenReachesTheClientAsItsCode() throws Exception {
        ServerConfig net = ServerConfig.builder().wsListen("127.0.0.1", 0).eventLoopThreads(1).build();
        SecurityConfig security = SecurityConfig.builder().authSecret(SECRET).requireAuth(true).build();
        try (RelayServer server = new RelayServer(net, RelayConfig.defaults()).withSecurity(security).start()) {
            KfRelayClient c = KfRelayClient.connect(URI.create("ws://127.0.0.1:" + server.wsPort()), new ClientListener() { })
                    .get(5, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> c.join("r", "alice", token("alice", "elsewhere", Grants.ALL, 60)).get(5, TimeUnit.SECONDS));
            RelayErrorException refused = assertInstanceOf(RelayErrorException.class, e.getCause());
            assertEquals(ErrorCodes.TOKEN_WRONG_ROOM, refused.code());
            assertEquals("relay refused the join: error 116 TOKEN_WRONG_ROOM: the token does not grant room 'r'",
                    refused.getMessage());
            c.close();
        }
    }
}
