package io.kfrelay.pipeline;

import io.kfrelay.config.AutoLayerSettings;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.LayerCause;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.RoomInfo;
import io.kfrelay.testing.RecordingSink.Media;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Simulcast sources: one layer per receiver, switches served from the cache (docs/PROTOCOL.md 4.13, 4.14). */
class SimulcastTest {
    /** Source 10: layers 10 (low), 11 (mid), 12 (high). */
    private static final int LOW = 10;
    private static final int MID = 11;
    private static final int HIGH = 12;

    private TestRelay relay;

    @AfterEach
    void close() {
        relay.close();
    }

    private static RelayConfig gop() {
        return RelayConfig.builder().cacheMode(CacheMode.GOP).build();
    }

    /** A publisher with source 10 declared and every layer started with a keyframe and one delta. */
    private TestPeer publisher() {
        TestPeer pub = relay.join("r", "pub");
        pub.simulcast(LOW, MID, HIGH);
        relay.settle();
        for (int layer : new int[] {LOW, MID, HIGH}) {
            pub.keyframe(layer, 2);
            pub.delta(layer);
        }
        relay.settle();
        return pub;
    }

    /** A delta frame of three packets, of which only the first {@code sent} go now. */
    private static void deltaStart(TestPeer p, int stream, int sent) {
        for (int i = 0; i < sent; i++) {
            p.send(stream, Protocol.KIND_VIDEO, (i == 0 ? Protocol.FLAG_FRAME_START : 0) | (i == 2 ? Protocol.FLAG_FRAME_END : 0),
                    TestPeer.PAYLOAD);
        }
    }

    private static void deltaRest(TestPeer p, int stream, int from) {
        for (int i = from; i < 3; i++) {
            p.send(stream, Protocol.KIND_VIDEO, i == 2 ? Protocol.FLAG_FRAME_END : 0, TestPeer.PAYLOAD);
        }
    }

    private static List<Integer> streamsReceived(TestPeer r, TestPeer pub) {
        return r.sink.media().stream().filter(m -> m.sender() == pub.id()).map(Media::stream).distinct().toList();
    }

    private static List<ControlMessage.Layer> layers(TestPeer p) {
        return p.sink.controls(ControlMessage.Layer.class);
    }

    private static List<ControlMessage.KeyframeRequest> keyframeRequests(TestPeer p) {
        return p.sink.controls(ControlMessage.KeyframeRequest.class);
    }

    /** What {@code r} got after its {@code n}-th LAYER message, in order. */
    private static List<Object> afterLayer(TestPeer r, int n) {
        List<Object> all = r.sink.all();
        int seen = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i) instanceof ControlMessage.Layer && ++seen == n) {
                return all.subList(i + 1, all.size());
            }
        }
        throw new AssertionError("no LAYER number " + n + " in " + all);
    }

    @Test
    @DisplayName("the room hears of a source (its publisher too); a default joiner gets its top layer only, after a LAYER")
    void defaultJoinerGetsTopLayer() {
        relay = new TestRelay(gop());
        TestPeer pub = publisher();
        assertEquals(List.of(new ControlMessage.Simulcast(pub.id(), List.of(LOW, MID, HIGH))),
                pub.sink.controls(ControlMessage.Simulcast.class), "the publisher's acknowledgement");

        TestPeer viewer = relay.join("r", "viewer");
        pub.delta(LOW);
        pub.delta(MID);
        pub.delta(HIGH);
        relay.settle();

        assertEquals(List.of(new ControlMessage.Simulcast(pub.id(), List.of(LOW, MID, HIGH))),
                viewer.sink.controls(ControlMessage.Simulcast.class));
        assertEquals(List.of(new ControlMessage.Layer(pub.id(), LOW, HIGH, 2, LayerCause.REQUESTED.code())), layers(viewer));
        assertEquals(List.of(HIGH), streamsReceived(viewer, pub), "exactly one layer");
        assertEquals(List.of(0L, 1L, 2L, 3L), viewer.sink.media(pub.id(), HIGH).stream().map(Media::seq).toList());
        int layerAt = viewer.sink.all().indexOf(layers(viewer).getFirst());
        assertTrue(viewer.sink.all().subList(0, layerAt).stream().noneMatch(Media.class::isInstance),
                "LAYER comes before the layer's first packet");
    }

    @Test
    @DisplayName("a switch mid-GOP is served from the cache at once: LAYER, the new layer's GOP replayed, then live; no keyframe request")
    void switchServedFromCache() {
        relay = new TestRelay(gop());
        TestPeer pub = publisher();
        TestPeer viewer = relay.joinManual("r", "viewer");
        viewer.subscribe(pub, LOW, 2);
        relay.settle();
        pub.delta(HIGH);
        pub.delta(LOW);
        relay.settle();

        viewer.subscribe(pub, LOW, 0);
        relay.settle();
        pub.delta(LOW);
        pub.delta(HIGH);
        relay.settle();

        assertEquals(List.of(LayerCause.REQUESTED.code(), LayerCause.REQUESTED.code()),
                layers(viewer).stream().map(ControlMessage.Layer::cause).toList());
        assertEquals(LOW, layers(viewer).get(1).streamId());
        List<Object> after = afterLayer(viewer, 2);
        List<Media> media = after.stream().filter(Media.class::isInstance).map(Media.class::cast).toList();
        assertTrue(media.stream().allMatch(m -> m.stream() == LOW), "nothing of the old layer after the LAYER");
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), media.stream().map(Media::seq).toList(), "from the keyframe, gap-free");
        assertTrue(media.getFirst().keyframe() && media.getFirst().frameStart() && media.getFirst().replay());
        assertFalse(media.getLast().replay());
        assertTrue(keyframeRequests(pub).isEmpty(), "the cache served it: nothing asked of the publisher");
        assertEquals(1, relay.stat(Stat.LAYER_SWITCHES_FROM_CACHE));
        assertEquals(0, relay.stat(Stat.LAYER_SWITCHES_WAITED));
        assertEquals(1, relay.core.metrics().layerSwitches(LayerCause.REQUESTED));
    }

    @Test
    @DisplayName("a switch waits for the end of the old layer's frame being sent, so the last old frame is whole")
    void switchWaitsForFrameEnd() {
        relay = new TestRelay(gop());
        TestPeer pub = publisher();
        TestPeer viewer = relay.joinManual("r", "viewer");
        viewer.subscribe(pub, LOW, 2);
        relay.settle();
        deltaStart(pub, HIGH, 1);               // HIGH seq 3, frame not ended
        relay.settle();

        viewer.subscribe(pub, LOW, 0);
        relay.settle();
        assertEquals(1, layers(viewer).size(), "not yet: the old layer is in the middle of a frame");
        deltaRest(pub, HIGH, 1);                 // HIGH 4, 5 (frame end)
        relay.settle();

        assertEquals(2, layers(viewer).size());
        List<Long> high = viewer.sink.media(pub.id(), HIGH).stream().map(Media::seq).toList();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), high, "the frame ended whole");
        assertTrue(afterLayer(viewer, 2).stream().noneMatch(o -> o instanceof Media m && m.stream() == HIGH));
    }

    @Test
    @DisplayName("a joiner whose wanted layer has nothing cached gets a lower cached layer at once, then moves up at the wanted layer's keyframe")
    void joinerGetsAPictureAtOnce() {
        relay = new TestRelay(gop());
        TestPeer pub = relay.join("r", "pub");
        pub.simulcast(LOW, HIGH);
        relay.settle();
        pub.keyframe(LOW, 2);
        pub.delta(HIGH);                         // HIGH started, nothing cached
        TestPeer viewer = relay.join("r", "viewer");
        assertEquals(List.of(new ControlMessage.Layer(pub.id(), LOW, LOW, 0, LayerCause.REQUESTED.code())), layers(viewer));
        assertEquals(List.of(0L, 1L), viewer.sink.media(pub.id(), LOW).stream().map(Media::seq).toList(), "a picture now");
        assertEquals(List.of(new ControlMessage.KeyframeRequest(pub.id(), HIGH)), keyframeRequests(pub));

        pub.keyframe(HIGH, 2);                   // HIGH 1, 2
        pub.delta(HIGH);                         // HIGH 3
        pub.delta(LOW);
        relay.settle();
        assertEquals(HIGH, layers(viewer).getLast().streamId());
        assertEquals(List.of(1L, 2L, 3L), viewer.sink.media(pub.id(), HIGH).stream().map(Media::seq).toList());
        assertTrue(afterLayer(viewer, 2).stream().noneMatch(o -> o instanceof Media m && m.stream() == LOW));

        TestPeer manual = relay.joinManual("r", "manual");
        pub.delta(HIGH);
        pub.session.endStream(HIGH);
        relay.settle();
        manual.subscribe(pub, LOW);              // auto; HIGH ended, LOW is all there is
        relay.settle();
        assertEquals(List.of(LOW), layers(manual).stream().map(ControlMessage.Layer::streamId).toList());
    }

    @Test
    @DisplayName("a switch to a layer with nothing cached asks its publisher for a keyframe and waits for it")
    void switchWaitsForKeyframe() {
        relay = new TestRelay(gop());
        TestPeer pub = relay.join("r", "pub");
        pub.simulcast(LOW, HIGH);
        relay.settle();
        pub.delta(LOW);                          // LOW has nothing cached
        pub.keyframe(HIGH, 2);
        TestPeer viewer = relay.join("r", "viewer"); // auto: HIGH
        viewer.subscribe(pub, LOW, 0);
        relay.settle();

        assertEquals(List.of(new ControlMessage.KeyframeRequest(pub.id(), LOW)), keyframeRequests(pub));
        pub.delta(HIGH);                         // still HIGH meanwhile
        pub.keyframe(LOW, 2);                    // LOW 1, 2
        pub.delta(LOW);                          // LOW 3
        pub.delta(HIGH);
        relay.settle();

        assertEquals(List.of(HIGH, LOW), layers(viewer).stream().map(ControlMessage.Layer::streamId).toList());
        assertEquals(List.of(0L, 1L, 2L), viewer.sink.media(pub.id(), HIGH).stream().map(Media::seq).toList());
        assertEquals(List.of(1L, 2L, 3L), viewer.sink.media(pub.id(), LOW).stream().map(Media::seq).toList());
        assertEquals(1, relay.stat(Stat.LAYER_SWITCHES_WAITED));
        assertEquals(0, relay.stat(Stat.LAYER_SWITCHES_FROM_CACHE));
    }

    @Test
    @DisplayName("a layer whose keyframes do not fit the cache is switched to live at its next keyframe start")
    void uncacheableLayerSwitchesLive() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).keyframeCapBytes(1024)
                .gopCapBytes(1024 * 1024).build());
        TestPeer pub = relay.join("r", "pub");
        pub.simulcast(LOW, HIGH);
        relay.settle();
        pub.keyframe(LOW, 1);                    // fits (1020 bytes)
        pub.delta(HIGH);
        TestPeer viewer = relay.join("r", "viewer"); // gets LOW (HIGH has nothing cached, LOW does: top started)
        relay.settle();
        viewer.subscribe(pub, LOW, 1);
        relay.settle();
        pub.send(HIGH, Protocol.KIND_VIDEO, Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END,
                2000);                           // HIGH 1: too large to cache
        pub.delta(HIGH);                         // HIGH 2
        relay.settle();

        List<Long> high = viewer.sink.media(pub.id(), HIGH).stream().map(Media::seq).toList();
        assertEquals(List.of(1L, 2L), high, "live from the keyframe start");
        assertEquals(HIGH, layers(viewer).getLast().streamId());
    }

    @Test
    @DisplayName("when the layer sent ends, its receivers move to another layer (AVAILABILITY), and back when it returns")
    void layerEnds() {
        relay = new TestRelay(gop());
        TestPeer pub = publisher();
        TestPeer viewer = relay.join("r", "viewer");
        pub.session.endStream(HIGH);
        relay.settle();
        pub.delta(MID);
        relay.settle();

        assertEquals(List.of(HIGH, MID), layers(viewer).stream().map(ControlMessage.Layer::streamId).toList());
        assertEquals(LayerCause.AVAILABILITY.code(), layers(viewer).getLast().cause());
        assertEquals(List.of(0L, 1L, 2L, 3L), viewer.sink.media(pub.id(), MID).stream().map(Media::seq).toList());

        pub.keyframe(HIGH, 1);                   // the top layer is back (a new stream, sequence goes on)
        relay.settle();
        assertEquals(HIGH, layers(viewer).getLast().streamId(), "auto wants the top layer");
    }

    @Test
    @DisplayName("auto: a receiver whose queue grows past the down mark moves down; drained long enough it moves back up")
    void autoLayer() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP)
                .autoLayer(new AutoLayerSettings(64 * 1024, 1024, Duration.ofSeconds(4), Duration.ofSeconds(1)))
                .build());
        TestPeer pub = publisher();
        TestPeer viewer = relay.join("r", "viewer");
        relay.settle();

        viewer.sink.setBacklog(100 * 1024);
        pub.delta(HIGH);                         // above the mark: the wait starts
        relay.settle();
        assertEquals(1, layers(viewer).size());
        relay.advance(Duration.ofSeconds(1));
        pub.delta(HIGH);                         // a second later, not smaller
        relay.settle();
        assertEquals(List.of(HIGH, MID), layers(viewer).stream().map(ControlMessage.Layer::streamId).toList());
        assertEquals(LayerCause.CONGESTION.code(), layers(viewer).getLast().cause());

        pub.delta(MID);                          // still congested, but the wait starts again after a move
        relay.settle();
        assertEquals(2, layers(viewer).size());

        viewer.sink.setBacklog(0);
        pub.delta(MID);                          // drained from now
        relay.settle();
        relay.advance(Duration.ofSeconds(3));
        pub.delta(MID);
        relay.settle();
        assertEquals(2, layers(viewer).size(), "not drained long enough");
        relay.advance(Duration.ofSeconds(2));
        pub.delta(MID);
        relay.settle();
        assertEquals(List.of(HIGH, MID, HIGH), layers(viewer).stream().map(ControlMessage.Layer::streamId).toList());
        assertEquals(LayerCause.RECOVERED.code(), layers(viewer).getLast().cause());
        assertEquals(1, relay.core.metrics().layerSwitches(LayerCause.CONGESTION));
        assertEquals(1, relay.core.metrics().layerSwitches(LayerCause.RECOVERED));
        assertEquals(2, relay.stat(Stat.LAYER_SWITCHES_FROM_CACHE));
    }

    @Test
    @DisplayName("a fixed layer is not moved by auto, whatever the receiver's queue")
    void fixedLayerStays() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP)
                .autoLayer(new AutoLayerSettings(64 * 1024, 1024, Duration.ofSeconds(4), Duration.ofSeconds(1)))
                .build());
        TestPeer pub = publisher();
        TestPeer viewer = relay.joinManual("r", "viewer");
        viewer.subscribe(pub, HIGH, 2);
        relay.settle();
        viewer.sink.setBacklog(1 << 20);
        pub.delta(HIGH);
        pub.delta(HIGH);
        relay.settle();
        assertEquals(1, layers(viewer).size());
    }

    @Test
    @DisplayName("SUBSCRIBE naming any layer subscribes to the source; a layer it does not have is NO_SUCH_LAYER; UNSUBSCRIBE purges")
    void subscribeAndUnsubscribeSource() {
        relay = new TestRelay(gop());
        TestPeer pub = publisher();
        TestPeer viewer = relay.joinManual("r", "viewer");
        viewer.subscribe(pub, MID, 5);
        relay.settle();
        assertEquals(List.of(ErrorCodes.NO_SUCH_LAYER),
                viewer.sink.controls(ControlMessage.SubscribeRefused.class).stream().map(ControlMessage.SubscribeRefused::code).toList());

        viewer.subscribe(pub, HIGH, 1);          // naming the top layer's stream, asking for the middle one
        relay.settle();
        assertEquals(List.of(MID), streamsReceived(viewer, pub));
        RoomInfo.SubscriptionInfo info = relay.core.room("r").join().participants().stream()
                .filter(p -> p.id() == viewer.id()).findFirst().orElseThrow().subscriptions().getFirst();
        assertEquals(new RoomInfo.SubscriptionInfo(pub.id(), LOW, true, 1, 1, MID, -1, false), info);

        viewer.unsubscribe(pub, LOW);
        relay.settle();
        pub.delta(MID);
        relay.settle();
        assertEquals(3, viewer.sink.media(pub.id(), MID).size(), "nothing after the UNSUBSCRIBE");
        assertEquals(List.of(new io.kfrelay.testing.RecordingSink.Purge(pub.id(), LOW),
                        new io.kfrelay.testing.RecordingSink.Purge(pub.id(), MID),
                        new io.kfrelay.testing.RecordingSink.Purge(pub.id(), HIGH)), viewer.sink.purges(),
                "every layer: after a recent switch the old layer's last frames may still be queued");
        assertTrue(relay.core.room("r").join().participants().stream()
                .filter(p -> p.id() == viewer.id()).findFirst().orElseThrow().subscriptions().isEmpty());
    }

    @Test
    @DisplayName("a declaration naming a stream that has already started ends the publisher's session: SIMULCAST_INVALID")
    void lateDeclarationRefused() {
        relay = new TestRelay(gop());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(HIGH, 1);
        relay.settle();
        pub.simulcast(LOW, HIGH);
        relay.settle();
        ControlMessage.Error error = assertInstanceOf(ControlMessage.Error.class,
                pub.sink.controls(ControlMessage.Error.class).getFirst());
        assertEquals(ErrorCodes.SIMULCAST_INVALID, error.code());
        assertTrue(pub.sink.closed());
        assertEquals(0, relay.stat(Stat.SOURCES));
    }

    @Test
    @DisplayName("the session refuses what it can check alone: too many layers, a stream twice, a stream declared before")
    void sessionChecks() {
        relay = new TestRelay(gop());
        TestPeer pub = relay.join("r", "pub");
        var session = pub.session;
        assertTrue(session.declareSimulcast(List.of()) != null);
        assertTrue(session.declareSimulcast(List.of(1, 2, 3, 4)) != null);
        assertTrue(session.declareSimulcast(List.of(1, 1)) != null);
        assertEquals(null, session.declareSimulcast(List.of(1, 2)));
        assertTrue(session.declareSimulcast(List.of(2, 3)) != null);
    }

    @Test
    @DisplayName("a publisher that leaves takes its sources with it; a receiver that leaves mid-switch leaves nothing behind")
    void leavesCleanUp() {
        relay = new TestRelay(gop());
        TestPeer pub = relay.join("r", "pub");
        pub.simulcast(LOW, HIGH);
        relay.settle();
        pub.keyframe(HIGH, 1);
        pub.delta(LOW);                          // LOW: nothing cached
        TestPeer viewer = relay.join("r", "viewer");
        viewer.subscribe(pub, LOW, 0);           // waits for LOW's keyframe
        relay.settle();
        viewer.session.leave();
        relay.settle();
        pub.keyframe(LOW, 1);                    // the switch it waited for has nobody to go to
        relay.settle();
        assertEquals(1, relay.stat(Stat.SOURCES));

        TestPeer other = relay.join("r", "other");
        pub.session.leave();
        relay.settle();
        assertEquals(0, relay.stat(Stat.SOURCES));
        assertEquals(0, relay.stat(Stat.STREAMS));
        assertTrue(relay.core.room("r").join().participants().stream()
                .filter(p -> p.id() == other.id()).findFirst().orElseThrow().subscriptions().isEmpty());
    }
}
