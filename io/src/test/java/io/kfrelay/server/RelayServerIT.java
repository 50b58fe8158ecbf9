package io.kfrelay.server;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.RoomInfo;
import io.kfrelay.transport.TransportKind;
import io.kfrelay.transport.TransportMetrics;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static io.kfrelay.server.WsTestClient.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The WebSocket relay over real loopback sockets, driven by a raw WebSocket client. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RelayServerIT {
    private static final AtomicInteger ROOMS = new AtomicInteger();
    private static RelayServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new RelayServer(loopback().build(), RelayConfig.builder().shards(2).build()).start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static ServerConfig.Builder loopback() {
        return ServerConfig.builder().wsListen("127.0.0.1", 0).eventLoopThreads(2).drainTimeout(Duration.ofSeconds(2));
    }

    private static String newRoom() {
        return "room-" + ROOMS.incrementAndGet();
    }

    private static WsTestClient connect() throws Exception {
        return WsTestClient.connect(server.wsPort());
    }

    private static TransportMetrics metrics() {
        return server.metrics();
    }

    // ------------------------------------------------------------------ lifecycle

    @Test
    void accessorsAnswerWhileTheLifecycleLockIsHeld() throws Exception {
        // close() holds the lock for the whole drain; an admin handler on an event loop asking meanwhile must not wait.
        synchronized (server) {
            CompletableFuture<String> answers = CompletableFuture.supplyAsync(() -> server.isRunning() + " "
                    + (server.core() != null) + " " + server.wsAddress().getPort() + " " + server.transport()
                    + " " + server.adminAddress() + " " + server.quic());
            assertEquals("true true " + server.wsPort() + " " + server.transport() + " null null",
                    answers.get(5, TimeUnit.SECONDS));
        }
    }

    // ------------------------------------------------------------------ joining and media

    @Test
    void joinIsAnsweredWithJoined() throws Exception {
        String room = newRoom();
        try (WsTestClient alice = connect(); WsTestClient bob = connect()) {
            ControlMessage.Joined a = alice.join(room, "alice");
            assertEquals(room, a.room());
            assertTrue(a.participants().isEmpty(), "first in the room");

            ControlMessage.Joined b = bob.join(room, "bob");
            assertEquals(1, b.participants().size());
            assertEquals(a.participantId(), b.participants().getFirst().id());
            assertEquals("alice", b.participants().getFirst().identity());

            ControlMessage.ParticipantJoined pj = alice.awaitControl(ControlMessage.ParticipantJoined.class);
            assertEquals(b.participantId(), pj.participantId());
        }
    }

    @Test
    void participantsExchangeMediaUntouchedWithTheSenderIdStamped() throws Exception {
        String room = newRoom();
        try (WsTestClient alice = connect(); WsTestClient bob = connect()) {
            long aliceId = alice.join(room, "alice").participantId();
            long bobId = bob.join(room, "bob").participantId();
            alice.awaitControl(ControlMessage.ParticipantJoined.class);

            byte[] payload = new byte[1000];
            new Random(7).nextBytes(payload);
            // alice claims to be participant 999: the relay overwrites that with her real id.
            byte[] sent = WsTestClient.media(0x0B, Protocol.KIND_VIDEO, 999, 3, 1234, 1_440_000, payload);
            alice.send(sent);
            byte[] got = bob.awaitMedia();
            assertEquals(sent.length, got.length);
            assertEquals(aliceId, ByteBuffer.wrap(got).getInt(MediaHeader.SENDER_OFFSET) & 0xFFFF_FFFFL);
            assertArrayEquals(Arrays.copyOf(sent, MediaHeader.SENDER_OFFSET), Arrays.copyOf(got, MediaHeader.SENDER_OFFSET));
            assertArrayEquals(Arrays.copyOfRange(sent, MediaHeader.STREAM_OFFSET, sent.length),
                    Arrays.copyOfRange(got, MediaHeader.STREAM_OFFSET, got.length), "the rest, payload included, untouched");

            // And the other way, audio.
            byte[] audio = WsTestClient.media(0x0A, Protocol.KIND_AUDIO, 0, 1, 5, 48_000, new byte[] {1, 2, 3});
            bob.send(audio);
            byte[] back = alice.awaitMedia();
            assertEquals(bobId, ByteBuffer.wrap(back).getInt(MediaHeader.SENDER_OFFSET) & 0xFFFF_FFFFL);
            assertArrayEquals(Arrays.copyOfRange(audio, MediaHeader.STREAM_OFFSET, audio.length),
                    Arrays.copyOfRange(back, MediaHeader.STREAM_OFFSET, back.length));
        }
    }

    @Test
    void pingIsAnsweredWithPongBeforeAndAfterJoin() throws Exception {
        try (WsTestClient c = connect()) {
            c.send(new ControlMessage.Ping(0xDEAD_BEEF_CAFE_F00DL));
            assertEquals(new ControlMessage.Pong(0xDEAD_BEEF_CAFE_F00DL), c.nextControl());
            c.join(newRoom(), "pinger");
            c.send(new ControlMessage.Ping(-1));
            assertEquals(new ControlMessage.Pong(-1), c.awaitControl(ControlMessage.Pong.class));
        }
    }

    @Test
    void rootPathUpgradesTooAndOtherPathsAreRefused() throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.wsPort(), "/")) {
            assertTrue(c.join(newRoom(), "root").participants().isEmpty());
        }
        long before = metrics().get(Counter.HANDSHAKES_REJECTED);
        assertThrows(Exception.class, () -> WsTestClient.connect(server.wsPort(), "/elsewhere"));
        assertEquals(before + 1, metrics().get(Counter.HANDSHAKES_REJECTED));
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"NIO", "EPOLL", "IO_URING"})
    void everyAvailableTransportRelays(TransportKind kind) throws Exception {
        assumeTrue(kind.isAvailable(), () -> kind + " is not available here");
        try (RelayServer s = new RelayServer(loopback().transport(kind).eventLoopThreads(1).build(),
                RelayConfig.defaults()).start();
             WsTestClient a = WsTestClient.connect(s.wsPort());
             WsTestClient b = WsTestClient.connect(s.wsPort())) {
            assertEquals(kind, s.transport());
            String room = newRoom();
            a.join(room, "a");
            b.join(room, "b");
            a.sendMedia(0x0A, Protocol.KIND_AUDIO, 0, 1, 1, 0, new byte[] {7});
            assertEquals(7, b.awaitMedia()[MediaHeader.LENGTH]);
        }
    }

    // ------------------------------------------------------------------ bad input: ERROR, close, nobody else notices

    /** Joins a sender and a receiver to {@code room} and checks media still flows from one to the other. */
    private record Bystanders(WsTestClient sender, WsTestClient receiver, long senderId) implements AutoCloseable {
        static Bystanders join(String room) throws Exception {
            WsTestClient s = connect();
            WsTestClient r = connect();
            long id = s.join(room, "sender").participantId();
            r.join(room, "receiver");
            return new Bystanders(s, r, id);
        }

        private static final AtomicInteger SEQ = new AtomicInteger();

        void stillRelaying() throws InterruptedException {
            byte[] packet = WsTestClient.media(0x0A, Protocol.KIND_AUDIO, 0, 1, SEQ.incrementAndGet(), 0, new byte[] {42});
            sender.send(packet);
            byte[] got = receiver.awaitMedia();
            assertArrayEquals(Arrays.copyOfRange(packet, MediaHeader.STREAM_OFFSET, packet.length),
                    Arrays.copyOfRange(got, MediaHeader.STREAM_OFFSET, got.length));
        }

        @Override
        public void close() {
            sender.close();
            receiver.close();
        }
    }

    @Test
    void textFrameGetsAnErrorAndACloseAndOthersCarryOn() throws Exception {
        String room = newRoom();
        long before = metrics().get(Counter.TEXT_FRAMES);
        try (Bystanders others = Bystanders.join(room); WsTestClient bad = connect()) {
            bad.join(room, "texter");
            bad.sendText("hello relay");
            assertError(bad.awaitErrorAndClose(), DecodeStatus.UNKNOWN_TYPE.code());
            assertEquals(before + 1, metrics().get(Counter.TEXT_FRAMES));
            others.stillRelaying();
        }
    }

    @Test
    void oversizedFrameGetsTooLargeAndOthersCarryOn() throws Exception {
        String room = newRoom();
        long before = metrics().get(Counter.OVERSIZED_FRAMES);
        try (Bystanders others = Bystanders.join(room); WsTestClient bad = connect()) {
            bad.join(room, "big");
            byte[] huge = WsTestClient.media(0x0A, Protocol.KIND_VIDEO, 0, 1, 1, 0,
                    new byte[ServerConfig.DEFAULT_MAX_FRAME_BYTES + 1]);
            bad.send(huge);
            assertError(bad.awaitErrorAndClose(), DecodeStatus.TOO_LARGE.code());
            assertEquals(before + 1, metrics().get(Counter.OVERSIZED_FRAMES));
            others.stillRelaying();
        }
    }

    @Test
    void malformedMediaGetsItsDecodeStatusAndOthersCarryOn() throws Exception {
        String room = newRoom();
        long before = metrics().malformed(DecodeStatus.BAD_FLAGS);
        try (Bystanders others = Bystanders.join(room); WsTestClient bad = connect()) {
            bad.join(room, "flags");
            bad.send(WsTestClient.media(0x10, Protocol.KIND_VIDEO, 0, 1, 1, 0, new byte[10]));
            ControlMessage.Error error = bad.awaitErrorAndClose();
            assertError(error, DecodeStatus.BAD_FLAGS.code());
            assertTrue(error.reason().contains("flag"), error.reason());
            assertEquals(before + 1, metrics().malformed(DecodeStatus.BAD_FLAGS));
            others.stillRelaying();
        }
    }

    @Test
    void malformedControlGetsItsDecodeStatus() throws Exception {
        long before = metrics().malformed(DecodeStatus.BAD_LENGTH);
        try (WsTestClient bad = connect()) {
            bad.send(new byte[] {0x01, 0x10, 0x00, 0x05, 'l', 'o'}); // JOIN whose room runs past the frame
            assertError(bad.awaitErrorAndClose(), DecodeStatus.BAD_LENGTH.code());
        }
        assertEquals(before + 1, metrics().malformed(DecodeStatus.BAD_LENGTH));
    }

    @Test
    void fragmentedMessageIsRefused() throws Exception {
        long before = metrics().get(Counter.FRAGMENTED_FRAMES);
        try (WsTestClient bad = connect()) {
            bad.sendFrame(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[] {0x01})));
            try {
                bad.sendFrame(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[] {0x18})));
            } catch (Exception e) {
                // The relay may refuse at the first fragment and close before the continuation is written.
                if (!(e instanceof java.nio.channels.ClosedChannelException)) {
                    throw e;
                }
            }
            assertError(bad.awaitErrorAndClose(), DecodeStatus.BAD_LENGTH.code());
        }
        assertEquals(before + 1, metrics().get(Counter.FRAGMENTED_FRAMES));
    }

    @Test
    void mediaBeforeJoinIsNotJoined() throws Exception {
        long before = metrics().get(Counter.NOT_JOINED);
        try (WsTestClient bad = connect()) {
            bad.send(WsTestClient.media(0x0A, Protocol.KIND_AUDIO, 0, 1, 1, 0, new byte[4]));
            assertError(bad.awaitErrorAndClose(), ErrorCodes.NOT_JOINED);
        }
        assertEquals(before + 1, metrics().get(Counter.NOT_JOINED));
    }

    @Test
    void secondJoinIsAlreadyJoinedAndLeavesTheRoom() throws Exception {
        String room = newRoom();
        long before = metrics().get(Counter.ALREADY_JOINED);
        try (WsTestClient bad = connect()) {
            bad.join(room, "twice");
            bad.send(new ControlMessage.Join(room, "twice", ""));
            assertError(bad.awaitErrorAndClose(), ErrorCodes.ALREADY_JOINED);
        }
        assertEquals(before + 1, metrics().get(Counter.ALREADY_JOINED));
        awaitRoom(room, r -> r == null);
    }

    @Test
    void relayOnlyMessageFromAClientIsUnknownType() throws Exception {
        try (WsTestClient bad = connect()) {
            bad.join(newRoom(), "impostor");
            bad.send(new ControlMessage.ParticipantLeft(1));
            assertError(bad.awaitErrorAndClose(), DecodeStatus.UNKNOWN_TYPE.code());
        }
    }

    // ------------------------------------------------------------------ leaving

    @Test
    void disconnectIsALeave() throws Exception {
        String room = newRoom();
        try (WsTestClient alice = connect()) {
            alice.join(room, "alice");
            WsTestClient bob = connect();
            long bobId = bob.join(room, "bob").participantId();
            awaitRoom(room, r -> r != null && r.participants().size() == 2);
            bob.close();
            assertEquals(bobId, alice.awaitControl(ControlMessage.ParticipantLeft.class).participantId());
            awaitRoom(room, r -> r != null && r.participants().size() == 1
                    && r.participants().getFirst().identity().equals("alice"));
        }
        awaitRoom(room, r -> r == null);
    }

    @Test
    void leaveClosesTheConnectionNormally() throws Exception {
        String room = newRoom();
        try (WsTestClient c = connect()) {
            c.join(room, "leaver");
            c.send(new ControlMessage.Leave());
            assertEquals(new WsTestClient.Closed(1000), c.next());
            c.awaitDisconnect();
        }
        awaitRoom(room, r -> r == null);
    }

    // ------------------------------------------------------------------ slow receivers

    @Test
    void stuckReceiverLosesMediaNotOthersAndIsCutOffOnceEvenControlDoesNotFit() throws Exception {
        // Room for a read batch of the publisher's bursts, tiny next to the kernel's socket buffers.
        ServerConfig small = loopback().sinkQueueMessages(256).sinkQueueBytes(1024 * 1024).sinkHardCapMessages(512)
                .sinkHardCapBytes(2 * 1024 * 1024).maxFrameBytes(8 * 1024).writeBufferHighWaterMark(8 * 1024)
                .stallTimeout(Duration.ZERO).build(); // this test is about the hard cap
        // A replay window that fits these small queues (the relay refuses one that leaves live media no room).
        try (RelayServer s = new RelayServer(small, RelayConfig.builder().replayWindowBytes(64 * 1024).build()).start();
             WsTestClient pub = WsTestClient.connect(s.wsPort());
             WsTestClient fast = WsTestClient.connect(s.wsPort());
             WsTestClient stuck = WsTestClient.connect(s.wsPort(), "/kfrelay", 4096)) {
            String room = newRoom();
            pub.join(room, "pub");
            fast.join(room, "fast");
            stuck.join(room, "stuck");
            stuck.reading(false);

            // Until the stuck receiver's queue overflows (after the kernel's socket buffers, megabytes on
            // loopback, are full), and a few batches beyond: the fast receiver gets every packet, in order.
            byte[] payload = new byte[4000];
            int seq = 0;
            int after = 0;
            for (int batch = 0; batch < 1000 && after < 8; batch++) {
                for (int i = 0; i < 25; i++, seq++) {
                    int flags = seq % 100 == 0 ? 0x0B : 0x0A; // a keyframe every 100 packets
                    pub.sendMedia(flags, Protocol.KIND_VIDEO, 0, 1, seq, seq, payload);
                }
                for (int i = 25; i > 0; i--) {
                    assertEquals(seq - i, ByteBuffer.wrap(fast.awaitMedia()).getInt(MediaHeader.SEQUENCE_OFFSET));
                }
                if (s.metrics().get(Counter.MEDIA_DROPPED) > 0) {
                    after++;
                }
            }
            assertTrue(s.metrics().get(Counter.MEDIA_DROPPED) > 0, "the stuck receiver's queue overflowed");
            // A keyframe could not reach it either: it asks for none, so it raises nobody's keyframe rate.
            assertEquals(0, s.metrics().get(Counter.KEYFRAME_REQUESTS), "a stuck receiver asks for no keyframe");
            assertEquals(0, s.metrics().get(Counter.SLOW_RECEIVERS_DISCONNECTED), "media drops, never disconnects");
            assertTrue(stuck.isConnected());

            // Every PING queues a PONG for a receiver that reads nothing: control piles up to the hard cap.
            for (int i = 0; i < 5000 && s.metrics().get(Counter.SLOW_RECEIVERS_DISCONNECTED) == 0; i++) {
                if (!stuck.trySend(new ControlMessage.Ping(i))) {
                    break; // already cut off
                }
            }
            awaitCondition(() -> s.metrics().get(Counter.SLOW_RECEIVERS_DISCONNECTED) == 1, "stuck receiver cut off");
            awaitCondition(() -> roomOf(s, room) != null && roomOf(s, room).participants().size() == 2, "it left");
            pub.sendMedia(0x0B, Protocol.KIND_VIDEO, 0, 1, seq, seq, payload);
            assertEquals(seq, ByteBuffer.wrap(fast.awaitMedia()).getInt(MediaHeader.SEQUENCE_OFFSET));
        }
    }

    @Test
    void aReceiverStuckForTheStallTimeoutIsCutOffWithoutAnyControlPilingUp() throws Exception {
        ServerConfig small = loopback().sinkQueueMessages(256).sinkQueueBytes(1024 * 1024).sinkHardCapMessages(512)
                .sinkHardCapBytes(2 * 1024 * 1024).maxFrameBytes(8 * 1024).writeBufferHighWaterMark(8 * 1024)
                .stallTimeout(Duration.ofSeconds(1)).build();
        // A replay window that fits these small queues (the relay refuses one that leaves live media no room).
        try (RelayServer s = new RelayServer(small, RelayConfig.builder().replayWindowBytes(64 * 1024).build()).start();
             WsTestClient pub = WsTestClient.connect(s.wsPort());
             WsTestClient fast = WsTestClient.connect(s.wsPort());
             WsTestClient stuck = WsTestClient.connect(s.wsPort(), "/kfrelay", 4096)) {
            String room = newRoom();
            pub.join(room, "pub");
            fast.join(room, "fast");
            stuck.join(room, "stuck");
            stuck.reading(false);
            byte[] payload = new byte[4000];
            int seq = 0;
            for (int batch = 0; batch < 1000 && s.metrics().get(Counter.MEDIA_DROPPED) == 0; batch++) {
                for (int i = 0; i < 25; i++, seq++) {
                    pub.sendMedia(seq % 100 == 0 ? 0x0B : 0x0A, Protocol.KIND_VIDEO, 0, 1, seq, seq, payload);
                }
                for (int i = 0; i < 25; i++) {
                    fast.awaitMedia();
                }
            }
            assertTrue(s.metrics().get(Counter.MEDIA_DROPPED) > 0, "the stuck receiver's queue overflowed");
            // The publisher goes quiet: the stall is noticed without any more traffic.
            awaitCondition(() -> s.metrics().get(Counter.SLOW_RECEIVERS_DISCONNECTED) == 1, "stuck receiver cut off");
            awaitCondition(() -> roomOf(s, room) != null && roomOf(s, room).participants().size() == 2, "it left");
            assertTrue(fast.isConnected());
        }
    }

    // ------------------------------------------------------------------ timeouts and shutdown

    @Test
    void connectionThatNeverJoinsIsClosed() throws Exception {
        try (RelayServer s = new RelayServer(loopback().joinTimeout(Duration.ofMillis(300)).build(),
                RelayConfig.defaults()).start();
             WsTestClient idle = WsTestClient.connect(s.wsPort())) {
            assertError(idle.awaitErrorAndClose(), ErrorCodes.NOT_JOINED);
            assertEquals(1, s.metrics().get(Counter.JOIN_TIMEOUTS));
        }
    }

    @Test
    void closeTellsEveryConnectionTheRelayIsShuttingDown() throws Exception {
        RelayServer s = new RelayServer(loopback().build(), RelayConfig.defaults()).start();
        try (WsTestClient joined = WsTestClient.connect(s.wsPort());
             WsTestClient waiting = WsTestClient.connect(s.wsPort())) {
            joined.join(newRoom(), "joined");
            long start = System.nanoTime();
            Thread closer = Thread.ofPlatform().start(s::close);
            assertError(joined.awaitErrorAndClose(), ErrorCodes.RELAY_SHUTTING_DOWN);
            assertError(waiting.awaitErrorAndClose(), ErrorCodes.RELAY_SHUTTING_DOWN);
            closer.join(Duration.ofSeconds(20));
            assertTrue(!closer.isAlive(), "close() returned");
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "close() was quick");
            assertTrue(!s.isRunning());
            assertThrows(Exception.class, () -> WsTestClient.connect(s.wsPort()), "no longer listening");
        } finally {
            s.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    private static RoomInfo roomOf(RelayServer s, String room) {
        try {
            return s.core().room(room).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return fail(e);
        }
    }

    private static void awaitRoom(String room, Predicate<RoomInfo> condition) throws InterruptedException {
        awaitCondition(() -> condition.test(roomOf(server, room)), "room " + room);
    }

    static void awaitCondition(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WsTestClient.WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
