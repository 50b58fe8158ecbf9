package io.kfrelay.pipeline;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.KeyframeReject;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.RoomInfo;
import io.kfrelay.testing.RecordingSink.Media;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The keyframe cache, observed from outside: what a late joiner is replayed, and the counters. */
class KeyframeCacheTest {
    private static final int CAM = 1;
    private static final long KF_BYTES = 4L * (20 + TestPeer.PAYLOAD);

    private TestRelay relay;

    @AfterEach
    void close() {
        relay.close();
    }

    private List<Media> replayedTo(TestPeer joiner, TestPeer publisher) {
        return joiner.sink.media(publisher.id(), CAM).stream().filter(Media::replay).toList();
    }

    private RoomInfo.StreamInfo camInfo() throws Exception {
        RoomInfo room = relay.core.room("r").get(5, TimeUnit.SECONDS);
        return room.participants().stream().flatMap(p -> p.streams().stream())
                .filter(s -> s.streamId() == CAM).findFirst().orElseThrow();
    }

    @Test
    @DisplayName("a complete keyframe is promoted and replayed whole, in order, REPLAY-flagged, to a late joiner")
    void completeKeyframePromoted() throws Exception {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 4);
        relay.settle();

        assertEquals(1, relay.stat(Stat.KEYFRAMES_PROMOTED));
        assertEquals(KF_BYTES, relay.stat(Stat.CACHE_BYTES));
        assertTrue(camInfo().hasKeyframe());

        TestPeer late = relay.join("r", "late");
        List<Media> replay = replayedTo(late, pub);
        assertEquals(List.of(0L, 1L, 2L, 3L), replay.stream().map(Media::seq).toList());
        assertTrue(replay.getFirst().frameStart() && replay.getLast().frameEnd());
        assertTrue(replay.stream().allMatch(m -> m.keyframe() && m.sender() == pub.id()));
        for (Media m : replay) {
            for (int i = 0; i < m.payload().length; i++) {
                assertEquals(TestPeer.payloadByte(CAM, m.seq(), i), m.payload()[i], "payload untouched");
            }
        }
    }

    @Test
    @DisplayName("a partial keyframe is never served: a joiner after an abandoned keyframe gets nothing of it")
    void partialNeverServed() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframeStart(CAM, 2, 4);
        pub.delta(CAM); // abandons the partial keyframe
        relay.settle();

        assertEquals(0, relay.stat(Stat.KEYFRAMES_PROMOTED));
        assertEquals(1, relay.core.metrics().keyframeRejects(KeyframeReject.INTERRUPTED));
        TestPeer late = relay.join("r", "late");
        assertTrue(late.sink.media().isEmpty(), "nothing replayed");
        assertEquals(0, relay.stat(Stat.CACHE_BYTES));
    }

    @Test
    @DisplayName("a gap inside a keyframe means it is not promoted (counted GAP); the older keyframe stays")
    void gapNotPromoted() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 2);             // seq 0,1: promoted
        pub.keyframeStart(CAM, 2, 5);     // seq 2,3
        pub.lose(CAM, 1);                 // seq 4 lost
        pub.keyframeRest(CAM, 3, 5);      // seq 5,6 (FRAME_END)
        relay.settle();

        assertEquals(1, relay.stat(Stat.KEYFRAMES_PROMOTED));
        assertEquals(1, relay.core.metrics().keyframeRejects(KeyframeReject.GAP));
        TestPeer late = relay.join("r", "late");
        assertEquals(List.of(0L, 1L), replayedTo(late, pub).stream().map(Media::seq).toList());
    }

    @Test
    @DisplayName("a reordered packet inside a keyframe means it is not promoted (counted REORDER)")
    void reorderNotPromoted() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        int kf = Protocol.FLAG_KEYFRAME;
        pub.sendRaw(CAM, Protocol.KIND_VIDEO, kf | Protocol.FLAG_FRAME_START, 10, 100, 0);
        pub.sendRaw(CAM, Protocol.KIND_VIDEO, kf, 12, 100, 0);
        pub.sendRaw(CAM, Protocol.KIND_VIDEO, kf, 11, 100, 0);
        pub.sendRaw(CAM, Protocol.KIND_VIDEO, kf | Protocol.FLAG_FRAME_END, 13, 100, 0);
        pub.sendRaw(CAM, Protocol.KIND_VIDEO, kf | Protocol.FLAG_FRAME_START, 20, 100, 0);
        pub.sendRaw(CAM, Protocol.KIND_VIDEO, kf, 19, 100, 0);
        relay.settle();

        assertEquals(0, relay.stat(Stat.KEYFRAMES_PROMOTED));
        assertEquals(1, relay.core.metrics().keyframeRejects(KeyframeReject.GAP), "12 after 10");
        assertEquals(1, relay.core.metrics().keyframeRejects(KeyframeReject.REORDER), "19 after 20");
        assertEquals(0, relay.stat(Stat.CACHE_BYTES), "nothing held after the rejects");
    }

    @Test
    @DisplayName("keyframe packets with no FRAME_START before them are a missing first packet: not promoted")
    void missingFirstPacket() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.send(CAM, Protocol.KIND_VIDEO, Protocol.FLAG_KEYFRAME, 500);
        pub.send(CAM, Protocol.KIND_VIDEO, Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_END, 500);
        relay.settle();

        assertEquals(0, relay.stat(Stat.KEYFRAMES_PROMOTED));
        assertEquals(1, relay.core.metrics().keyframeRejects(KeyframeReject.MISSING_START));
        assertEquals(0, relay.stat(Stat.CACHE_BYTES));
    }

    @Test
    @DisplayName("a keyframe over the per-stream byte cap is not cached (counted OVER_CAP), but still forwarded live")
    void overCapNotCached() {
        relay = new TestRelay(RelayConfig.builder().keyframeCapBytes(3 * 1024).build());
        TestPeer pub = relay.join("r", "pub");
        TestPeer live = relay.join("r", "live");
        pub.keyframe(CAM, 4); // 4 x 1020 bytes > 3 KiB
        relay.settle();

        assertEquals(0, relay.stat(Stat.KEYFRAMES_PROMOTED));
        assertEquals(1, relay.core.metrics().keyframeRejects(KeyframeReject.OVER_CAP));
        assertEquals(0, relay.stat(Stat.CACHE_BYTES));
        assertEquals(4, live.sink.media(pub.id(), CAM).size(), "live receivers still get it");
        TestPeer late = relay.join("r", "late");
        assertTrue(late.sink.media().isEmpty());
    }

    @Test
    @DisplayName("a delta packet flushes a stale partial keyframe; the bytes it held are released")
    void staleFlushedByDelta() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframeStart(CAM, 3, 6);
        relay.settle();
        assertEquals(3L * (20 + TestPeer.PAYLOAD), relay.stat(Stat.CACHE_BYTES), "partial is held while assembling");

        pub.delta(CAM);
        relay.settle();
        assertEquals(0, relay.stat(Stat.CACHE_BYTES));
        assertEquals(1, relay.core.metrics().keyframeRejects(KeyframeReject.INTERRUPTED));
    }

    @Test
    @DisplayName("a newer keyframe start discards the stale partial and is itself promoted")
    void newerKeyframeDiscardsPartial() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframeStart(CAM, 2, 4); // seq 0,1
        pub.keyframe(CAM, 3);         // seq 2..4
        relay.settle();

        assertEquals(1, relay.stat(Stat.KEYFRAMES_PROMOTED));
        assertEquals(1, relay.core.metrics().keyframeRejects(KeyframeReject.INTERRUPTED));
        TestPeer late = relay.join("r", "late");
        assertEquals(List.of(2L, 3L, 4L), replayedTo(late, pub).stream().map(Media::seq).toList());
        assertEquals(3L * (20 + TestPeer.PAYLOAD), relay.stat(Stat.CACHE_BYTES));
    }

    @Test
    @DisplayName("a newer complete keyframe replaces the cached one; the gauge holds exactly one keyframe")
    void newerKeyframeReplaces() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 4);
        pub.delta(CAM);
        pub.keyframe(CAM, 2);
        relay.settle();

        assertEquals(2, relay.stat(Stat.KEYFRAMES_PROMOTED));
        assertEquals(1, relay.stat(Stat.CACHE_ENTRIES));
        assertEquals(2L * (20 + TestPeer.PAYLOAD), relay.stat(Stat.CACHE_BYTES));
        TestPeer late = relay.join("r", "late");
        assertEquals(List.of(5L, 6L), replayedTo(late, pub).stream().map(Media::seq).toList());
    }

    @Test
    @DisplayName("audio is forwarded and never cached")
    void audioNeverCached() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        TestPeer live = relay.join("r", "live");
        for (int i = 0; i < 10; i++) {
            pub.audio(2);
        }
        relay.settle();

        assertEquals(10, live.sink.media(pub.id(), 2).size());
        assertEquals(0, relay.stat(Stat.CACHE_BYTES));
        TestPeer late = relay.join("r", "late");
        assertTrue(late.sink.media().isEmpty());
        assertFalse(relay.core.room("r").join().participants().stream()
                .flatMap(p -> p.streams().stream()).anyMatch(RoomInfo.StreamInfo::hasKeyframe));
    }
}
