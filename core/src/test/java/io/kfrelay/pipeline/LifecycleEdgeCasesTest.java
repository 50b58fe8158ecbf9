package io.kfrelay.pipeline;

import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.testing.RecordingSink;
import io.kfrelay.testing.RecordingSink.Media;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kicks, shutdown under load, and ordering at the edges of a replay. */
class LifecycleEdgeCasesTest {
    private TestRelay relay;

    @AfterEach
    void close() {
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    @DisplayName("a kicked participant gets the ERROR, its sink is closed, and the others see it leave")
    void evictKicks() {
        relay = new TestRelay();
        TestPeer a = relay.join("r", "a");
        TestPeer b = relay.join("r", "b");
        relay.core.evict(a.session, ErrorCodes.JOIN_REJECTED, "kicked by admin");
        relay.settle();
        assertEquals(List.of(new ControlMessage.Error(ErrorCodes.JOIN_REJECTED, "kicked by admin")),
                a.sink.controls(ControlMessage.Error.class));
        assertTrue(a.sink.closed());
        assertEquals(List.of(new ControlMessage.ParticipantLeft(a.id())), b.sink.controls(ControlMessage.ParticipantLeft.class));
        assertEquals(1, relay.stat(Stat.PARTICIPANTS));
        assertThrows(IllegalArgumentException.class, () -> relay.core.evict(b.session, -1, "bad code"),
                "an unencodable ERROR is refused on the caller's thread");
    }

    @Test
    @DisplayName("a room moved away: each of its sessions gets the REDIRECT as its last message, other rooms stay")
    void evictRoomEndsTheRoomsSessionsWithARedirect() {
        relay = new TestRelay();
        TestPeer a = relay.join("r", "a");
        TestPeer b = relay.join("r", "b");
        TestPeer other = relay.join("s", "c");
        ControlMessage.Redirect moved = new ControlMessage.Redirect(ControlMessage.Redirect.ROOM_ELSEWHERE, 7, "node-b",
                "ws://b:8080/kfrelay", "quic://b:4433", "");

        assertEquals(2, relay.core.evictRoom("r", moved));
        relay.settle();

        for (TestPeer p : List.of(a, b)) {
            assertEquals(List.of(moved), p.sink.controls(ControlMessage.Redirect.class));
            assertEquals(List.of(), p.sink.controls(ControlMessage.Error.class), "a REDIRECT, not an ERROR");
            assertTrue(p.sink.closed());
        }
        assertTrue(!other.sink.closed(), "another room's session stays");
        assertEquals(1, relay.stat(Stat.PARTICIPANTS));
        assertEquals(0, relay.core.evictRoom("r", moved), "nobody is left to move");
        assertThrows(IllegalArgumentException.class, () -> relay.core.evict(other.session, new ControlMessage.Ping(1)),
                "a session ends with an ERROR or a REDIRECT only");
    }

    @Test
    @DisplayName("evicting a joiner during its replay closes the sink only after the replay's last send")
    void evictDuringReplayClosesAfterLastSend() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(1, 40);
        RecordingSink sink = new RecordingSink();
        sink.hold(); // the replay stops at its window, mid-way
        TestPeer late = relay.joinAsync("r", "late", sink);
        relay.core.sync().join();
        relay.core.evict(late.session, ErrorCodes.JOIN_REJECTED, "kicked");
        sink.release();
        relay.settle();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!sink.closed() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(sink.closed());
        assertEquals(0, sink.callsAfterClose());
    }

    @Test
    @DisplayName("a joiner whose queue overflows on audio moves forward: what waited is dropped, audio flows again live")
    void replayQueueOverflowDoesNotMuteAudio() throws InterruptedException {
        // Replay 20 x 1020 B: the queue behind it holds 2 x 20400 + 24576 B (the keyframe cap): 363 audio packets.
        relay = new TestRelay(RelayConfig.builder().keyframeCapBytes(24 * 1024).replayWindowBytes(16 * 1024).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(1, 20);
        RecordingSink sink = new RecordingSink();
        sink.hold();
        TestPeer late = relay.joinAsync("r", "late", sink);
        LateJoinReplayTest.awaitBacklog(sink, 16 * 1024);
        for (int i = 0; i < 500; i++) {
            pub.audio(2);               // 363 queue, then the joiner is behind for good
        }
        relay.core.sync().join();
        sink.release();
        relay.settle();
        for (int i = 0; i < 10; i++) {
            pub.audio(2);               // after the replay: live again
        }
        relay.settle();
        List<Long> audio = late.sink.media(pub.id(), 2).stream().map(Media::seq).toList();
        assertEquals(LongStream.range(500, 510).boxed().toList(), audio,
                "the 500 that waited behind a replay it could not keep up with are dropped; live audio is not muted");
        assertEquals(1, relay.stat(Stat.REPLAYS_SKIPPED_FORWARD));
        assertTrue(pub.sink.controls(ControlMessage.KeyframeRequest.class).stream().noneMatch(r -> r.streamId() == 2),
                "nobody asks an audio stream for a keyframe");
    }

    @Test
    @DisplayName("control messages for a joiner in replay wait behind its media: STREAM_ENDED never precedes the stream's packets")
    void controlQueuedBehindReplay() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(1, 20);
        RecordingSink sink = new RecordingSink();
        sink.hold(); // the replay stops at its window, so the leave arrives while it runs
        TestPeer late = relay.joinAsync("r", "late", sink);
        relay.core.sync().join();
        pub.session.leave();
        relay.core.sync().join();
        sink.release();
        relay.settle();
        List<Object> all = late.sink.all();
        int lastMedia = -1;
        int ended = -1;
        int left = -1;
        for (int i = 0; i < all.size(); i++) {
            Object o = all.get(i);
            if (o instanceof Media) {
                lastMedia = i;
            } else if (o instanceof ControlMessage.StreamEnded) {
                ended = i;
            } else if (o instanceof ControlMessage.ParticipantLeft) {
                left = i;
            }
        }
        assertEquals(23, all.size(), "JOINED, 20 replayed packets, STREAM_ENDED, PARTICIPANT_LEFT: " + all);
        assertTrue(lastMedia < ended && ended < left, "media " + lastMedia + ", STREAM_ENDED " + ended + ", PARTICIPANT_LEFT " + left);
    }

    @Test
    @DisplayName("gop mode: keyframe packets without a start close the GOP, so the cached GOP never has a hole")
    void gopClosedByBrokenKeyframe() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(1, 1);                                         // 0
        pub.delta(1);                                               // 1
        pub.send(1, Protocol.KIND_VIDEO, Protocol.FLAG_KEYFRAME, 100);                            // 2: no start
        pub.send(1, Protocol.KIND_VIDEO, Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_END, 100); // 3
        pub.delta(1);                                               // 4: depends on the broken keyframe
        relay.settle();
        TestPeer late = relay.join("r", "late");
        assertEquals(List.of(0L, 1L), late.sink.media(pub.id(), 1).stream().map(Media::seq).toList());
    }

    @Test
    @DisplayName("queries and joins after close are answered at once, never left hanging")
    void afterCloseAnsweredAtOnce() {
        relay = new TestRelay();
        relay.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> relay.core.rooms().get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalStateException);
        assertThrows(CompletionException.class, () -> relay.core.sync().join());
        RecordingSink sink = new RecordingSink();
        relay.core.join("r", "late", sink);
        assertTrue(sink.closed());
        assertEquals(ErrorCodes.RELAY_SHUTTING_DOWN, sink.controls(ControlMessage.Error.class).getFirst().code());
        relay = null;
    }

    @Test
    @DisplayName("closing while publishers are busy releases every packet exactly once")
    void closeUnderLoadLeaksNothing() throws Exception {
        for (int round = 0; round < 20; round++) {
            relay = new TestRelay(RelayConfig.builder().ringSize(256).build());
            TestPeer pub1 = relay.join("r", "p1");
            TestPeer pub2 = relay.join("r", "p2");
            ConcurrentLinkedQueue<ByteBuf> published = new ConcurrentLinkedQueue<>();
            AtomicBoolean run = new AtomicBoolean(true);
            CountDownLatch started = new CountDownLatch(2);
            List<Thread> threads = new ArrayList<>();
            for (TestPeer p : List.of(pub1, pub2)) {
                threads.add(Thread.ofPlatform().start(() -> {
                    started.countDown();
                    long seq = 0;
                    while (run.get()) {
                        ByteBuf b = Unpooled.directBuffer(64);
                        MediaHeader.write(b, Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END, Protocol.KIND_AUDIO, 0, 1, seq++, 0);
                        published.add(b.writeZero(20));
                        p.session.publish(b);
                    }
                }));
            }
            started.await();
            Thread.sleep(5);
            relay.close();
            run.set(false);
            for (Thread t : threads) {
                t.join();
            }
            for (ByteBuf b : published) {
                assertEquals(0, b.refCnt(), "round " + round + ": a packet was not released");
            }
        }
        relay = null;
    }
}
