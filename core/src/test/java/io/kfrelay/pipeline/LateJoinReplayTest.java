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
    @DisplayName("live packets for a joiner still in replay queue behind it, so order holds while the replay is paced")
    void liveQueuesBehindSlowReplay() throws Exception {
        // A slow replay: 10 KB/s with no burst, so ~20 packets take seconds; live packets arrive meanwhile.
        relay = new TestRelay(RelayConfig.builder().replayBytesPerSecond(20_000).replayBurstBytes(0).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 20);
        relay.core.sync().get();

        RecordingSink sink = new RecordingSink();
        TestPeer late = relay.joinAsync("r", "late", sink);
        relay.core.sync().get();
        assertEquals(1, relay.stat(Stat.REPLAYS_ACTIVE), "replay still running");
        for (int i = 0; i < 5; i++) {
            pub.delta(CAM);
        }
        relay.core.sync().get();
        long liveSoFar = late.sink.media(pub.id(), CAM).stream().filter(m -> !m.replay()).count();
        assertEquals(0, liveSoFar, "live packets wait behind the replay");

        relay.settle();
        assertEquals(LongStream.range(0, 25).boxed().toList(), seqs(late.sink.media(pub.id(), CAM)));
    }

    @Test
    @DisplayName("a joiner that leaves during its replay is cleaned up: the replay stops and nothing leaks")
    void leaveDuringReplay() {
        relay = new TestRelay(RelayConfig.builder().replayBytesPerSecond(20_000).replayBurstBytes(0).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 20);
        RecordingSink sink = new RecordingSink();
        TestPeer late = relay.joinAsync("r", "late", sink);
        pub.delta(CAM);
        late.session.leave();
        relay.settle();

        assertEquals(0, relay.stat(Stat.REPLAYS_ACTIVE));
        assertTrue(late.sink.media().size() < 21, "replay was cut short");
        assertEquals(1, relay.core.room("r").join().participants().size());
    }

    @Test
    @DisplayName("a joiner too far behind its replay skips that stream to its next keyframe instead of queueing without bound")
    void replayQueueBounded() throws Exception {
        relay = new TestRelay(RelayConfig.builder().replayBytesPerSecond(20_000).replayBurstBytes(0)
                .replayQueuePackets(16).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 20);
        relay.core.sync().get();
        TestPeer late = relay.joinAsync("r", "late", new RecordingSink());
        for (int i = 0; i < 30; i++) {
            pub.delta(CAM);          // 20..49: 16 queue, the rest are dropped
        }
        relay.settle();              // the replay ends; the queue is handed over
        pub.delta(CAM);              // 50: still waiting for a keyframe
        pub.keyframe(CAM, 2);        // 51,52: resumes here
        relay.settle();

        List<Long> got = seqs(late.sink.media(pub.id(), CAM));
        assertEquals(LongStream.range(0, 36).boxed().toList(), got.subList(0, 36), "replay + 16 queued, in order");
        assertEquals(List.of(51L, 52L), got.subList(36, got.size()));
        assertTrue(relay.core.metrics().drops(DropReason.REPLAY_QUEUE_FULL) >= 1);
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
