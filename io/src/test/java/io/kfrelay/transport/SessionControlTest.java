package io.kfrelay.transport;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.security.SecurityGate;
import io.kfrelay.transport.SessionControl.Phase;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared session protocol without a channel: a fake sink and a real core. */
class SessionControlTest {
    private static final int MAX_MESSAGE_BYTES = 64 * 1024;

    private RelayCore core;
    private final FakeSink sink = new FakeSink();
    private final TransportMetrics metrics = new TransportMetrics();
    private final List<Phase> entered = new ArrayList<>();
    private SessionControl control;

    @BeforeEach
    void start() {
        core = RelayCore.start(RelayConfig.defaults());
        control = new SessionControl(core, SecurityGate.defaults(MAX_MESSAGE_BYTES), sink, metrics,
                ByteBufAllocator.DEFAULT, entered::add);
        assertTrue(control.open(new InetSocketAddress("127.0.0.1", 40_000)));
    }

    @AfterEach
    void stop() {
        core.close();
    }

    @Test
    void joinIsAdmittedAndHandsTheSinkToTheCore() throws Exception {
        control.onControl(encode(new ControlMessage.Join("room", "alice", "")));

        assertEquals(Phase.JOINED, control.phase());
        assertEquals(List.of(Phase.JOINED), entered);
        assertEquals(1, metrics.get(Counter.JOINS));
        assertNotNull(control.session());
        core.sync().get(5, TimeUnit.SECONDS);
        assertTrue(sink.received().stream().anyMatch(m -> m instanceof ControlMessage.Joined), "JOINED through the sink");
    }

    /** A placement that answers when the test says, counting the references given back. */
    private static class HeldPlacement implements RoomPlacement {
        final java.util.concurrent.CompletableFuture<Verdict> answer = new java.util.concurrent.CompletableFuture<>();
        final List<String> left = new CopyOnWriteArrayList<>();

        @Override
        public java.util.concurrent.CompletableFuture<Verdict> place(Request request) {
            return answer;
        }

        @Override
        public void left(Request request) {
            left.add(request.room());
        }
    }

    private SessionControl placed(HeldPlacement placement, List<ByteBuf> replayed) {
        SessionControl c = new SessionControl(core, SecurityGate.defaults(MAX_MESSAGE_BYTES), placement, Runnable::run,
                sink, metrics, ByteBufAllocator.DEFAULT, entered::add);
        c.onPlaced(replayed::add);
        assertTrue(c.open(new InetSocketAddress("127.0.0.1", 40_001)));
        return c;
    }

    @Test
    void aJoinWaitsForItsPlacementHoldingWhatArrivesMeanwhile() throws Exception {
        HeldPlacement placement = new HeldPlacement();
        List<ByteBuf> replayed = new ArrayList<>();
        SessionControl c = placed(placement, replayed);
        c.onControl(encode(new ControlMessage.Join("room", "alice", "")));
        assertEquals(Phase.PLACING, c.phase());
        assertNull(c.session(), "not in the core yet");
        ByteBuf early = encode(new ControlMessage.Ping(1));
        assertTrue(c.holdIfPlacing(early));
        assertEquals(0, metrics.get(Counter.JOINS));

        placement.answer.complete(RoomPlacement.HERE);
        assertEquals(Phase.JOINED, c.phase());
        assertNotNull(c.session());
        assertEquals(List.of(early), replayed, "what was held goes on, in order, once joined");
        early.release();
        assertFalse(c.holdIfPlacing(encode(new ControlMessage.Ping(2))), "joined: nothing is held any more");
        c.leave();
        assertEquals(List.of("room"), placement.left, "the session gives its reference back once");
        c.disconnected();
        assertEquals(List.of("room"), placement.left);
    }

    @Test
    void aClusterSessionGetsNodesRightAfterJoined() throws Exception {
        ControlMessage.Nodes nodes = new ControlMessage.Nodes(List.of(
                new ControlMessage.NodeAddress("a", "ws://a:1/kfrelay", "", ""),
                new ControlMessage.NodeAddress("b", "ws://b:1/kfrelay", "quic://b:2", "ab")));
        HeldPlacement placement = new HeldPlacement() {
            @Override
            public ControlMessage.Nodes nodesMessage() {
                return nodes;
            }
        };
        SessionControl c = placed(placement, new ArrayList<>());
        c.onControl(encode(new ControlMessage.Join("room", "alice", "")));
        placement.answer.complete(RoomPlacement.HERE);
        core.sync().get(5, TimeUnit.SECONDS);
        List<ControlMessage> got = sink.received();
        assertInstanceOf(ControlMessage.Joined.class, got.get(0));
        assertEquals(nodes, got.get(1), "NODES follows JOINED at once");
        assertEquals(1, got.stream().filter(m -> m instanceof ControlMessage.Nodes).count());
    }

    @Test
    void aSingleRelaySendsNoNodes() throws Exception {
        control.onControl(encode(new ControlMessage.Join("room", "alice", "")));
        core.sync().get(5, TimeUnit.SECONDS);
        assertTrue(sink.received().stream().noneMatch(m -> m instanceof ControlMessage.Nodes), sink.received().toString());
    }

    @Test
    void aRefusedPlacementEndsTheConnectionWithItsCode() {
        HeldPlacement placement = new HeldPlacement();
        SessionControl c = placed(placement, new ArrayList<>());
        c.onControl(encode(new ControlMessage.Join("room", "alice", "")));
        ByteBuf early = encode(new ControlMessage.Ping(1));
        assertTrue(c.holdIfPlacing(early));
        placement.answer.complete(new RoomPlacement.Refuse(ErrorCodes.ROOM_ELSEWHERE, "room 'room' is served by node a"));
        assertEquals(Phase.CLOSING, c.phase());
        assertEquals(0, early.refCnt(), "what was held is released");
        assertEquals(new ControlMessage.Error(ErrorCodes.ROOM_ELSEWHERE, "room 'room' is served by node a"),
                sink.lastError());
        assertNull(c.session());
        assertTrue(placement.left.isEmpty(), "a refusal holds no reference");
    }

    @Test
    void aRedirectedPlacementSendsRedirectThenCloses() {
        HeldPlacement placement = new HeldPlacement();
        SessionControl c = placed(placement, new ArrayList<>());
        c.onControl(encode(new ControlMessage.Join("room", "alice", "")));
        ByteBuf early = encode(new ControlMessage.Ping(1));
        assertTrue(c.holdIfPlacing(early));
        ControlMessage.Redirect redirect = new ControlMessage.Redirect(ControlMessage.Redirect.ROOM_ELSEWHERE, 4, "a",
                "ws://a:8080/kfrelay", "quic://a:4433", "ab:cd");
        placement.answer.complete(new RoomPlacement.Redirect(redirect));
        assertEquals(Phase.CLOSING, c.phase());
        assertEquals(0, early.refCnt(), "what was held is released");
        assertEquals(List.of(redirect), sink.received(), "REDIRECT is the only answer");
        assertEquals(1, sink.closes, "then the connection closes");
        assertNull(c.session());
        assertTrue(placement.left.isEmpty(), "a redirect holds no reference");
        c.disconnected();
        assertEquals(1, sink.closes);
    }

    @Test
    void aConnectionGoneBeforeItsPlacementGivesTheReferenceBack() {
        HeldPlacement placement = new HeldPlacement();
        SessionControl c = placed(placement, new ArrayList<>());
        c.onControl(encode(new ControlMessage.Join("room", "alice", "")));
        c.disconnected();
        placement.answer.complete(RoomPlacement.HERE);
        assertNull(c.session(), "never reaches the core");
        assertEquals(List.of("room"), placement.left);
    }

    @Test
    void aSecondJoinIsRefused() throws Exception {
        control.onControl(encode(new ControlMessage.Join("room", "alice", "")));
        control.onControl(encode(new ControlMessage.Join("room", "alice", "")));

        assertEquals(1, metrics.get(Counter.ALREADY_JOINED));
        assertEquals(new ControlMessage.Error(ErrorCodes.ALREADY_JOINED, "this connection has already joined room room"),
                sink.lastError());
        assertTrue(control.session().hasLeft());
    }

    @Test
    void controlBeforeJoinIsRefusedNotJoined() {
        control.onControl(encode(new ControlMessage.KeyframeRequest(1, 2)));

        assertEquals(Phase.CLOSING, control.phase());
        assertEquals(List.of(Phase.CLOSING), entered);
        assertEquals(1, metrics.get(Counter.NOT_JOINED));
        assertEquals(List.of(new ControlMessage.Error(ErrorCodes.NOT_JOINED,
                "KEYFRAME_REQUEST before JOIN: the first message must be a JOIN")), sink.received());
        assertEquals(1, sink.flushes);
        assertEquals(1, sink.closes);
    }

    @Test
    void pingIsAnsweredAndPongIgnored() {
        control.onControl(encode(new ControlMessage.Ping(7)));
        control.onControl(encode(new ControlMessage.Pong(8)));

        assertEquals(List.of(new ControlMessage.Pong(7)), sink.received());
        assertEquals(1, sink.flushes);
        assertEquals(Phase.AWAITING_JOIN, control.phase());
    }

    @Test
    void typesOnlyTheRelaySendsAreRefused() {
        control.onControl(encode(new ControlMessage.ParticipantLeft(3)));

        assertEquals(1, metrics.malformed(DecodeStatus.UNKNOWN_TYPE));
        assertEquals(new ControlMessage.Error(DecodeStatus.UNKNOWN_TYPE.code(),
                "PARTICIPANT_LEFT is sent by the relay, never by clients"), sink.lastError());
    }

    @Test
    void aClientSendingNodesIsRefused() {
        control.onControl(encode(new ControlMessage.Nodes(List.of())));

        assertEquals(1, metrics.malformed(DecodeStatus.UNKNOWN_TYPE));
        assertEquals(new ControlMessage.Error(DecodeStatus.UNKNOWN_TYPE.code(),
                "NODES is sent by the relay, never by clients"), sink.lastError());
    }

    @Test
    void anOversizedControlMessageIsRefusedBeforeDecoding() {
        ByteBuf huge = Unpooled.buffer().writeZero(MAX_MESSAGE_BYTES);
        control.onControl(huge);

        assertEquals(0, huge.refCnt());
        ControlMessage.Error error = sink.lastError();
        assertEquals(DecodeStatus.TOO_LARGE.code(), error.code());
        assertTrue(error.reason().startsWith("control message of " + MAX_MESSAGE_BYTES + " bytes"), error.reason());
    }

    @Test
    void aRefusalHappensOnceAndSilencesTheRest() {
        control.refuse(ErrorCodes.RATE_LIMITED, "first");
        control.refuse(ErrorCodes.NOT_JOINED, "second");
        control.leave();
        control.joinTimedOut(Duration.ofSeconds(1));

        assertEquals(List.of(new ControlMessage.Error(ErrorCodes.RATE_LIMITED, "first")), sink.received());
        assertEquals(1, sink.closes);
        assertEquals(List.of(Phase.CLOSING), entered);
        assertEquals(0, metrics.get(Counter.JOIN_TIMEOUTS));
    }

    @Test
    void leaveClosesWithoutAnError() {
        control.onControl(encode(new ControlMessage.Leave()));

        assertTrue(sink.received().isEmpty());
        assertEquals(1, sink.closes);
        assertTrue(control.isClosing());
    }

    @Test
    void joinTimeoutAndShutdownOnlyConcernThoseStillWaiting() {
        control.joinTimedOut(Duration.ofMillis(1500));

        assertEquals(1, metrics.get(Counter.JOIN_TIMEOUTS));
        assertEquals(new ControlMessage.Error(ErrorCodes.NOT_JOINED, "no JOIN within 1500 ms"), sink.lastError());
    }

    @Test
    void joinedParticipantsHearOfShutdownFromTheCore() {
        control.onControl(encode(new ControlMessage.Join("room", "alice", "")));
        control.relayShuttingDown();
        control.joinTimedOut(Duration.ofSeconds(1));

        assertEquals(Phase.JOINED, control.phase());
        assertEquals(0, sink.closes);
        assertEquals(0, metrics.get(Counter.JOIN_TIMEOUTS));
    }

    @Test
    void keyframeRequestsBeforeJoinGoNowhere() {
        control.requestKeyframe(1, 2); // the sink may ask at any time: nothing to ask before JOIN
        assertNull(control.session());
    }

    @Test
    void aDisconnectLeavesTheRoom() {
        control.onControl(encode(new ControlMessage.Join("room", "alice", "")));
        control.disconnected();

        assertTrue(control.session().hasLeft());
        assertEquals(List.of(Phase.JOINED, Phase.CLOSING), entered);
        assertFalse(sink.received().stream().anyMatch(m -> m instanceof ControlMessage.Error));
    }

    private static ByteBuf encode(ControlMessage m) {
        return ControlCodec.encode(m, ByteBufAllocator.DEFAULT);
    }

    /** Decodes what it is sent; the core writes from its shard thread, the test reads from its own. */
    private static final class FakeSink implements ParticipantSink {
        private final List<ControlMessage> received = new CopyOnWriteArrayList<>();
        volatile int flushes;
        volatile int closes;

        @Override
        public void sendMedia(ByteBuf packet) {
        }

        @Override
        public void sendControl(ByteBuf message) {
            try {
                if (ControlCodec.decode(message) instanceof ControlCodec.Decoded.Ok(ControlMessage m)) {
                    received.add(m);
                }
            } finally {
                message.release();
            }
        }

        @Override
        public synchronized void flush() {
            flushes++;
        }

        @Override
        public synchronized void close() {
            closes++;
        }

        List<ControlMessage> received() {
            return received;
        }

        ControlMessage.Error lastError() {
            for (int i = received.size() - 1; i >= 0; i--) {
                if (received.get(i) instanceof ControlMessage.Error e) {
                    return e;
                }
            }
            throw new AssertionError("no ERROR among " + received);
        }
    }
}
