package io.kfrelay.pipeline;

import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.testing.RecordingSink;
import io.kfrelay.testing.RecordingSink.Media;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a participant who joins late receives, and in which order. */
class LateJoinReplayTest {
    private static final int CAM = 1;
    private static final int SCREEN = 2;

    private TestRelay relay;

    @AfterEach
    void close() {
        relay.close();
    }

    /** Waits until the replay has put more than {@code bytes} into a sink that does not read. */
    static void awaitBacklog(RecordingSink sink, long bytes) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (sink.backlogBytes() <= bytes) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the replay did not fill its window");
            }
            Thread.sleep(1);
        }
    }

    private static List<Long> seqs(List<Media> media) {
        return media.stream().map(Media::seq).toList();
    }

    @Test
    @DisplayName("JOINED comes first and lists the participants already there with their streams")
    void joinedListsRoom() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "alice");
        pub.keyframe(CAM, 1);
        pub.audio(3);
        relay.settle();

        TestPeer late = relay.join("r", "bob");
        Object first = late.sink.all().getFirst();
        ControlMessage.Joined joined = assertInstanceOf(ControlMessage.Joined.class, first);
        assertEquals(late.id(), joined.participantId());
        assertEquals(1, joined.participants().size());
        ControlMessage.Peer alice = joined.participants().getFirst();
        assertEquals("alice", alice.identity());
        assertEquals(List.of(new ControlMessage.StreamInfo(1, Protocol.KIND_VIDEO), new ControlMessage.StreamInfo(3, Protocol.KIND_AUDIO)),
                alice.streams().stream().sorted(java.util.Comparator.comparingInt(ControlMessage.StreamInfo::streamId)).toList());
        assertEquals(List.of(new ControlMessage.ParticipantJoined(late.id(), "bob")),
                pub.sink.controls(ControlMessage.ParticipantJoined.class));
    }

    @Test
    @DisplayName("a late joiner gets every cached keyframe of the room before any live packet of that stream")
    void keyframeBeforeLive() {
        relay = new TestRelay();
        TestPeer a = relay.join("r", "a");
        TestPeer b = relay.join("r", "b");
        a.keyframe(CAM, 3);
        a.delta(CAM);
        a.delta(CAM);
        b.keyframe(SCREEN, 2);
        relay.settle();

        TestPeer late = relay.join("r", "late");
        a.delta(CAM);
        b.delta(SCREEN);
        relay.settle();

        List<Media> fromA = late.sink.media(a.id(), CAM);
        assertEquals(List.of(0L, 1L, 2L, 5L), seqs(fromA), "keyframe, then live (deltas 3,4 are the allowed gap)");
        assertTrue(fromA.subList(0, 3).stream().allMatch(Media::replay));
        assertFalse(fromA.get(3).replay());
        List<Media> fromB = late.sink.media(b.id(), SCREEN);
        assertEquals(List.of(0L, 1L, 2L), seqs(fromB));
        assertTrue(fromB.get(0).replay() && fromB.get(1).replay() && !fromB.get(2).replay());
    }

    @Test
    @DisplayName("a joiner arriving during a half-assembled keyframe gets that keyframe whole")
    void joinDuringAssembly() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 2);          // 0,1 cached
        pub.delta(CAM);                // 2
        pub.keyframeStart(CAM, 3, 6);  // 3,4,5 assembling
        relay.settle();

        TestPeer late = relay.join("r", "late");
        pub.keyframeRest(CAM, 3, 6);   // 6,7,8
        relay.settle();

        List<Media> got = late.sink.media(pub.id(), CAM);
        assertEquals(List.of(0L, 1L, 3L, 4L, 5L, 6L, 7L, 8L), seqs(got));
        assertEquals(5, got.stream().filter(Media::replay).count(), "cached keyframe + the partial one are replayed");
        assertEquals(2, relay.stat(Stat.KEYFRAMES_PROMOTED), "the completed one was promoted too");
    }

    @Test
    @DisplayName("with nothing cached, a joiner receives a video stream from its next keyframe, never a delta first")
    void noCacheWaitsForKeyframe() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.delta(CAM);
        relay.settle();
        TestPeer late = relay.join("r", "late");
        pub.delta(CAM);
        pub.delta(CAM);
        pub.keyframe(CAM, 2);
        pub.delta(CAM);
        relay.settle();

        List<Media> got = late.sink.media(pub.id(), CAM);
        assertEquals(List.of(3L, 4L, 5L), seqs(got));
        assertTrue(got.getFirst().keyframe() && got.getFirst().frameStart());
        assertEquals(2, relay.core.metrics().drops(DropReason.AWAITING_KEYFRAME));
    }

    @Test
    @DisplayName("gop mode replays keyframe + deltas in order, then live, with no gap or duplicate")
    void gopReplayGapFree() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).build());
        TestPeer pub = relay.join("r", "pub");
        pub.delta(CAM);               // 0: before any keyframe, not cached
        pub.keyframe(CAM, 3);         // 1..3
        for (int i = 0; i < 5; i++) {
            pub.delta(CAM);           // 4..8
        }
        pub.keyframeStart(CAM, 2, 3); // 9,10 assembling
        relay.settle();

        TestPeer late = relay.join("r", "late");
        pub.keyframeRest(CAM, 2, 3);  // 11
        pub.delta(CAM);               // 12
        relay.settle();

        List<Media> got = late.sink.media(pub.id(), CAM);
        assertEquals(LongStream.rangeClosed(1, 12).boxed().toList(), seqs(got), "gap-free, duplicate-free from the keyframe");
        assertEquals(10, got.stream().filter(Media::replay).count());
        assertTrue(got.getFirst().keyframe() && got.getFirst().frameStart());
    }

    @Test
    @DisplayName("gop mode: past the byte cap the GOP stops growing and the stream behaves as in keyframe mode")
    void gopByteCap() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP)
                .keyframeCapBytes(4 * 1024).gopCapBytes(5 * 1024).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 2);        // 0,1: 2040 bytes
        for (int i = 0; i < 6; i++) {
            pub.delta(CAM);          // 2..7: only 2,3,4 fit under 5 KiB
        }
        relay.settle();
        assertEquals(1, relay.stat(Stat.GOPS_TRUNCATED));

        TestPeer late = relay.join("r", "late");
        pub.delta(CAM);              // 8
        relay.settle();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 8L), seqs(late.sink.media(pub.id(), CAM)));
    }

    @Test
    @DisplayName("gop mode: past the age cap the GOP stops growing")
    void gopAgeCap() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).gopMaxAge(Duration.ofSeconds(5)).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 1);        // 0
        pub.delta(CAM);              // 1
        relay.settle();
        relay.advance(Duration.ofSeconds(6));
        pub.delta(CAM);              // 2: too old to append
        relay.settle();
        assertEquals(1, relay.stat(Stat.GOPS_TRUNCATED));

        TestPeer late = relay.join("r", "late");
        assertEquals(List.of(0L, 1L), seqs(late.sink.media(pub.id(), CAM)));
    }

    @Test
    @DisplayName("the replay goes as fast as the joiner drains: it stops at its window, and live packets queue behind it")
    void liveQueuesBehindSlowReplay() throws Exception {
        relay = new TestRelay(RelayConfig.builder().replayWindowBytes(16 * 1024).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 40);        // 40 x 1020 B: more than the 16 KiB window
        relay.core.sync().get();

        RecordingSink sink = new RecordingSink();
        sink.hold();                  // a receiver that does not read
        TestPeer late = relay.joinAsync("r", "late", sink);
        relay.core.sync().get();
        for (int i = 0; i < 5; i++) {
            pub.delta(CAM);
        }
        relay.core.sync().get();
        assertEquals(1, relay.stat(Stat.REPLAYS_ACTIVE), "replay still running");
        assertEquals(0, late.sink.media(pub.id(), CAM).stream().filter(m -> !m.replay()).count(),
                "live packets wait behind the replay");

        sink.release();
        relay.settle();
        assertEquals(LongStream.range(0, 45).boxed().toList(), seqs(late.sink.media(pub.id(), CAM)));
    }

    @Test
    @DisplayName("closed loop: a replay never has more than its window outstanding in a joiner that does not read")
    void replayStopsAtWindow() throws Exception {
        relay = new TestRelay(RelayConfig.builder().replayWindowBytes(16 * 1024).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 40);        // 40 x 1020 B = 40800 B
        RecordingSink sink = new RecordingSink();
        sink.hold();
        TestPeer late = relay.joinAsync("r", "late", sink);
        awaitBacklog(sink, 16 * 1024);
        Thread.sleep(50);             // had it not waited, the rest would be here by now
        int sent = late.sink.media(pub.id(), CAM).size();
        assertEquals(17, sent, "16 KiB of window: 17 packets of 1020 B, the last one crossing it");
        assertEquals(1, relay.stat(Stat.REPLAYS_ACTIVE));

        sink.release();
        relay.settle();
        assertEquals(LongStream.range(0, 40).boxed().toList(), seqs(late.sink.media(pub.id(), CAM)),
                "nothing of the replay lost while it waited");
    }

    @Test
    @DisplayName("a joiner that leaves during its replay is cleaned up: the replay stops and nothing leaks")
    void leaveDuringReplay() throws Exception {
        relay = new TestRelay(RelayConfig.builder().replayWindowBytes(16 * 1024).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 400);
        RecordingSink sink = new RecordingSink();
        sink.hold();
        TestPeer late = relay.joinAsync("r", "late", sink);
        pub.delta(CAM);
        relay.core.sync().get();
        late.session.leave();
        relay.core.sync().get();
        sink.release();
        relay.settle();

        assertEquals(0, relay.stat(Stat.REPLAYS_ACTIVE));
        assertTrue(late.sink.media().size() < 401, "replay was cut short");
        assertEquals(1, relay.core.room("r").join().participants().size());
        // The cancelled replay thread releases what queued behind it as it ends, moments later.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (relay.core.cacheBudget().queued() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(0, relay.core.cacheBudget().queued(), "what queued behind the replay was released");
    }

    @Test
    @DisplayName("a joiner that cannot keep up moves forward to its streams' next keyframe start, never into the middle of a GOP")
    void cannotKeepUpMovesForward() throws Exception {
        // Replay 20 x 1020 B: the queue behind it holds 2 x 20400 + 24576 B (the keyframe cap): 64 deltas.
        relay = new TestRelay(RelayConfig.builder().keyframeCapBytes(24 * 1024).replayWindowBytes(16 * 1024).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 20);
        relay.core.sync().get();
        RecordingSink sink = new RecordingSink();
        sink.hold();
        TestPeer late = relay.joinAsync("r", "late", sink);
        awaitBacklog(sink, 16 * 1024); // the replay has filled its window and waits
        for (int i = 0; i < 100; i++) {
            pub.delta(CAM);          // 20..119: 64 queue, then the joiner is behind for good
        }
        relay.core.sync().get();
        sink.release();
        relay.settle();
        pub.delta(CAM);              // 120: waits for a keyframe
        pub.keyframe(CAM, 2);        // 121,122: resumes here
        relay.settle();

        List<Long> got = seqs(late.sink.media(pub.id(), CAM));
        int replayed = got.indexOf(121L);
        assertTrue(replayed > 0 && replayed < 20, "a prefix of the replay went out before the joiner fell behind: " + got);
        assertEquals(LongStream.range(0, replayed).boxed().toList(), got.subList(0, replayed), "replayed in order");
        assertEquals(List.of(121L, 122L), got.subList(replayed, got.size()), "then from the next keyframe start on");
        assertEquals(1, relay.stat(Stat.REPLAYS_SKIPPED_FORWARD));
        assertTrue(relay.core.metrics().drops(DropReason.REPLAY_QUEUE_FULL) >= 1);
        assertTrue(pub.sink.controls(ControlMessage.KeyframeRequest.class).size() >= 1, "the publisher was asked");
        assertEquals(0, relay.core.cacheBudget().queued());
    }

    @Test
    @DisplayName("gop mode: a lost delta closes the GOP (counted) and asks for a keyframe; no joiner is replayed the hole")
    void gopHoleClosesTheGop() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 3);        // 0..2
        pub.delta(CAM);              // 3
        pub.delta(CAM);              // 4
        pub.lose(CAM, 1);            // 5 never arrives (lost upstream, or dropped at a full ring)
        pub.delta(CAM);              // 6: the GOP closes here
        pub.delta(CAM);              // 7
        relay.settle();
        assertEquals(1, relay.core.metrics().gopCloses(io.kfrelay.metrics.GopClose.GAP));
        assertEquals(1, pub.sink.controls(ControlMessage.KeyframeRequest.class).size(), "the publisher is asked");

        TestPeer late = relay.join("r", "late");
        List<Media> got = late.sink.media(pub.id(), CAM);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), seqs(got), "the contiguous part only");
        assertTrue(got.stream().allMatch(Media::replay));

        pub.keyframe(CAM, 2);        // 8,9: a new GOP, whole again
        pub.delta(CAM);              // 10
        relay.settle();
        TestPeer later = relay.join("r", "later");
        assertEquals(List.of(8L, 9L, 10L), seqs(later.sink.media(pub.id(), CAM)));
    }

    @Test
    @DisplayName("gop mode: a reordered delta closes the GOP too")
    void gopReorderClosesTheGop() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 2);        // 0,1
        pub.delta(CAM);              // 2
        pub.sendRaw(CAM, Protocol.KIND_VIDEO, Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END, 1, TestPeer.PAYLOAD, 0);
        relay.settle();
        assertEquals(1, relay.core.metrics().gopCloses(io.kfrelay.metrics.GopClose.REORDER));
        assertEquals(List.of(0L, 1L, 2L), seqs(relay.join("r", "late").sink.media(pub.id(), CAM)));
    }

    @Test
    @DisplayName("the relay stamps the sender id: a client cannot impersonate another, and cannot set REPLAY")
    void senderStamped() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        TestPeer live = relay.join("r", "live");
        pub.sendRaw(7, Protocol.KIND_AUDIO, Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END | Protocol.FLAG_REPLAY,
                0, 10, live.id());
        relay.settle();

        Media m = live.sink.media().getFirst();
        assertEquals(pub.id(), m.sender());
        assertFalse(m.replay());
    }
}
