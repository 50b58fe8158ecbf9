package io.kfrelay.pipeline;

import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.Grants;
import io.kfrelay.room.RoomInfo;
import io.kfrelay.testing.RecordingSink;
import io.kfrelay.testing.RecordingSink.Media;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SUBSCRIBE and UNSUBSCRIBE of plain streams (docs/PROTOCOL.md 4.11, 4.12) and the MANUAL_SUBSCRIBE JOIN option. */
class SubscriptionTest {
    private static final int CAM = 1;
    private static final int MIC = 2;

    private TestRelay relay;

    @AfterEach
    void close() {
        relay.close();
    }

    private static List<Long> seqs(List<Media> media) {
        return media.stream().map(Media::seq).toList();
    }

    private static List<Long> range(long from, long to) {
        return LongStream.range(from, to).boxed().toList();
    }

    private static List<ControlMessage.SubscribeRefused> refusals(TestPeer p) {
        return p.sink.controls(ControlMessage.SubscribeRefused.class);
    }

    @Test
    @DisplayName("a participant that joins with MANUAL_SUBSCRIBE hears of every stream but gets no media and asks for no keyframe")
    void manualJoinGetsNothing() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 2);
        pub.audio(MIC);
        relay.settle();

        TestPeer viewer = relay.joinManual("r", "viewer");
        pub.delta(CAM);
        pub.audio(MIC);
        pub.keyframe(3, 1); // a stream that starts later is not subscribed to either
        relay.settle();

        assertTrue(viewer.sink.media().isEmpty(), "no media at all: " + viewer.sink.media());
        assertEquals(1, viewer.sink.controls(ControlMessage.StreamStarted.class).size(), "stream 3 was announced");
        assertTrue(pub.sink.controls(ControlMessage.KeyframeRequest.class).isEmpty());
        RoomInfo.ParticipantInfo info = relay.core.room("r").join().participants().stream()
                .filter(p -> p.id() == viewer.id()).findFirst().orElseThrow();
        assertFalse(info.autoSubscribe());
        assertTrue(info.subscriptions().isEmpty());
    }

    @Test
    @DisplayName("SUBSCRIBE replays the cached keyframe, then live, and only that stream")
    void subscribeReplaysThenLive() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 3);
        pub.delta(CAM);
        pub.audio(MIC);
        relay.settle();
        TestPeer viewer = relay.joinManual("r", "viewer");

        viewer.subscribe(pub, CAM);
        relay.settle();
        pub.delta(CAM);
        pub.audio(MIC);
        relay.settle();

        List<Media> cam = viewer.sink.media(pub.id(), CAM);
        assertEquals(List.of(0L, 1L, 2L, 4L), seqs(cam), "keyframe (replayed), then live");
        assertTrue(cam.subList(0, 3).stream().allMatch(Media::replay));
        assertFalse(cam.get(3).replay());
        assertTrue(viewer.sink.media(pub.id(), MIC).isEmpty(), "the audio was not subscribed to");
        assertEquals(1, relay.stat(Stat.SUBSCRIBES));
    }

    @Test
    @DisplayName("gop mode: a SUBSCRIBE mid-GOP gets the GOP from its keyframe and then live with no sequence number missing")
    void gopSubscriptionIsGapFree() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).build());
        TestPeer pub = relay.join("r", "pub");
        pub.delta(CAM);        // 0: before any keyframe, never replayed
        pub.keyframe(CAM, 2);  // 1, 2
        pub.delta(CAM);        // 3
        pub.delta(CAM);        // 4
        TestPeer viewer = relay.joinManual("r", "viewer");

        viewer.subscribe(pub, CAM);
        for (int i = 0; i < 5; i++) {
            pub.delta(CAM);    // 5..9, some racing the replay
        }
        relay.settle();

        List<Media> cam = viewer.sink.media(pub.id(), CAM);
        assertEquals(range(1, 10), seqs(cam));
        assertTrue(cam.get(0).keyframe() && cam.get(0).frameStart(), "starts at the keyframe");
        assertTrue(pub.sink.controls(ControlMessage.KeyframeRequest.class).isEmpty(), "an open GOP needs no keyframe");
    }

    @Test
    @DisplayName("SUBSCRIBE to audio is live at once; to video with nothing cached starts at the next keyframe, asked for")
    void subscribeWithoutCache() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.delta(CAM);
        pub.audio(MIC);
        TestPeer viewer = relay.joinManual("r", "viewer");

        viewer.subscribe(pub, CAM);
        viewer.subscribe(pub, MIC);
        relay.settle();
        assertEquals(List.of(new ControlMessage.KeyframeRequest(pub.id(), CAM)),
                pub.sink.controls(ControlMessage.KeyframeRequest.class));
        pub.delta(CAM);
        pub.audio(MIC);
        pub.keyframe(CAM, 2);
        relay.settle();

        assertEquals(List.of(2L, 3L), seqs(viewer.sink.media(pub.id(), CAM)), "from the keyframe on");
        assertEquals(List.of(1L), seqs(viewer.sink.media(pub.id(), MIC)));
    }

    @Test
    @DisplayName("UNSUBSCRIBE stops the stream at once and asks the sink to drop what it still holds of it; SUBSCRIBE again replays")
    void unsubscribeStopsAndPurges() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 2);
        TestPeer viewer = relay.join("r", "viewer"); // the default: subscribed to everything
        pub.delta(CAM);
        relay.settle();

        viewer.unsubscribe(pub, CAM);
        relay.settle();
        pub.delta(CAM);
        pub.delta(CAM);
        relay.settle();
        assertEquals(List.of(0L, 1L, 2L), seqs(viewer.sink.media(pub.id(), CAM)), "nothing after the UNSUBSCRIBE");
        assertEquals(List.of(new RecordingSink.Purge(pub.id(), CAM)), viewer.sink.purges());
        assertEquals(1, relay.stat(Stat.UNSUBSCRIBES));

        viewer.unsubscribe(pub, CAM); // not subscribed: nothing happens, no answer
        viewer.subscribe(pub, CAM);
        relay.settle();
        List<Media> again = viewer.sink.media(pub.id(), CAM);
        assertEquals(List.of(0L, 1L, 2L, 0L, 1L), seqs(again), "the cached keyframe again");
        assertTrue(again.get(3).replay() && again.get(4).replay());
        assertEquals(1, viewer.sink.purges().size());
        assertTrue(refusals(viewer).isEmpty());
    }

    @Test
    @DisplayName("a stream nobody subscribed to costs no egress")
    void noSubscribersNoEgress() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        relay.joinManual("r", "a");
        relay.joinManual("r", "b");
        long before = relay.stat(Stat.EGRESS_PACKETS);
        for (int i = 0; i < 10; i++) {
            pub.keyframe(CAM, 2);
            pub.audio(MIC);
        }
        relay.settle();
        assertEquals(30, relay.stat(Stat.INGRESS_PACKETS));
        assertEquals(before, relay.stat(Stat.EGRESS_PACKETS));
    }

    @Test
    @DisplayName("what the relay cannot apply is answered with SUBSCRIBE_REFUSED and its code; the session goes on")
    void refusals() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 1);
        TestPeer elsewhere = relay.join("other", "x");
        elsewhere.keyframe(CAM, 1);
        TestPeer viewer = relay.joinManual("r", "viewer");
        relay.settle();

        viewer.subscribe(pub, 9);                   // no such stream
        viewer.subscribe(elsewhere, CAM);           // not in this room
        viewer.subscribe(viewer, CAM);              // its own
        viewer.subscribe(pub, CAM, 1);              // a plain stream has layer 0 only
        relay.settle();

        List<Integer> codes = refusals(viewer).stream().map(ControlMessage.SubscribeRefused::code).sorted().toList();
        assertEquals(List.of(ErrorCodes.NO_SUCH_STREAM, ErrorCodes.NO_SUCH_STREAM, ErrorCodes.OWN_STREAM,
                ErrorCodes.NO_SUCH_LAYER), codes);
        assertEquals(4, relay.stat(Stat.SUBSCRIBES_REFUSED));
        assertTrue(viewer.sink.media().isEmpty());

        viewer.subscribe(pub, CAM, 0);
        relay.settle();
        assertEquals(1, viewer.sink.media(pub.id(), CAM).size(), "still joined, and layer 0 of a plain stream is fine");
    }

    @Test
    @DisplayName("only a receiver of a stream may ask its publisher for a keyframe; a SUBSCRIBE that changes nothing is not counted")
    void keyframeRequestsOnlyFromReceivers() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 1);
        TestPeer viewer = relay.joinManual("r", "viewer");
        viewer.session.requestKeyframe(pub.id(), CAM);
        relay.settle();
        assertTrue(pub.sink.controls(ControlMessage.KeyframeRequest.class).isEmpty(), "not subscribed: ignored");
        viewer.subscribe(pub, CAM);
        viewer.subscribe(pub, CAM, 0);
        relay.settle();
        assertEquals(1, relay.stat(Stat.SUBSCRIBES));
        viewer.session.requestKeyframe(pub.id(), CAM);
        relay.settle();
        assertEquals(1, pub.sink.controls(ControlMessage.KeyframeRequest.class).size());
    }

    @Test
    @DisplayName("a participant without canSubscribe is refused SUBSCRIBE_NOT_ALLOWED")
    void notAllowed() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 1);
        TestPeer publishOnly = relay.join("r", "p", new Grants(true, false));
        publishOnly.subscribe(pub, CAM);
        relay.settle();
        assertEquals(List.of(ErrorCodes.SUBSCRIBE_NOT_ALLOWED),
                refusals(publishOnly).stream().map(ControlMessage.SubscribeRefused::code).toList());
        assertTrue(publishOnly.sink.media().isEmpty());
    }

    @Test
    @DisplayName("a SUBSCRIBE while the receiver's own replay runs waits for it, then gets its own replay, gap-free")
    void subscribeDuringReplay() throws Exception {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).replayWindowBytes(16 * 1024).build());
        TestPeer a = relay.join("r", "a");
        TestPeer b = relay.join("r", "b");
        a.keyframe(CAM, 40);                     // ~40 KB: more than the replay window
        b.keyframe(CAM, 2);
        relay.settle();

        RecordingSink sink = new RecordingSink();
        sink.hold();                             // reads nothing: the replay stops at its window
        TestPeer viewer = relay.joinAsync("r", "viewer", sink);
        relay.core.sync().get(5, TimeUnit.SECONDS);
        LateJoinReplayTest.awaitBacklog(sink, 16 * 1024);
        // The JOIN subscribed it to both (the default); unsubscribe b's camera and subscribe to it again meanwhile.
        viewer.unsubscribe(b, CAM);
        relay.core.sync().get(5, TimeUnit.SECONDS);
        viewer.subscribe(b, CAM);
        relay.core.sync().get(5, TimeUnit.SECONDS);
        b.delta(CAM);                            // 2: live while the subscription waits for the replay
        a.delta(CAM);                            // 40
        relay.core.sync().get(5, TimeUnit.SECONDS);
        sink.release();
        relay.settle();
        b.delta(CAM);                            // 3
        relay.settle();

        assertEquals(range(0, 41), seqs(viewer.sink.media(a.id(), CAM)));
        List<Media> fromB = viewer.sink.media(b.id(), CAM);
        // Whatever of b's first replay went out before the UNSUBSCRIBE, the new subscription's replay comes after
        // the purge and starts at the keyframe, then goes on without a gap.
        List<Object> all = viewer.sink.all();
        int purgeAt = all.indexOf(new RecordingSink.Purge(b.id(), CAM));
        assertTrue(purgeAt >= 0, "the purge reached the sink");
        List<Long> afterPurge = all.subList(purgeAt, all.size()).stream()
                .filter(o -> o instanceof Media m && m.sender() == b.id()).map(o -> ((Media) o).seq()).toList();
        assertEquals(List.of(0L, 1L, 2L, 3L), afterPurge);
        assertTrue(fromB.stream().filter(m -> m.seq() < 2).allMatch(Media::replay));
    }

    @Test
    @DisplayName("the admin view lists what each receiver is subscribed to")
    void roomInfoListsSubscriptions() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 1);
        pub.audio(MIC);
        TestPeer viewer = relay.joinManual("r", "viewer");
        viewer.subscribe(pub, MIC);
        relay.settle();
        RoomInfo.ParticipantInfo info = relay.core.room("r").join().participants().stream()
                .filter(p -> p.id() == viewer.id()).findFirst().orElseThrow();
        assertEquals(List.of(new RoomInfo.SubscriptionInfo(pub.id(), MIC, false, 0, 0, MIC, -1, false)),
                info.subscriptions());
        RoomInfo.StreamInfo mic = relay.core.room("r").join().participants().stream()
                .filter(p -> p.id() == pub.id()).findFirst().orElseThrow().streams().stream()
                .filter(s -> s.streamId() == MIC).findFirst().orElseThrow();
        assertEquals(1, mic.subscribers());
        assertEquals(Protocol.KIND_AUDIO, mic.kind());
    }
}
