package io.kfrelay.pipeline;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.testing.RecordingSink.Media;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A switch to a layer whose keyframes are larger than --keyframe-cap, when the first packets of a keyframe fit the
 * cap (docs/PROTOCOL.md 4.13: "Only if the new layer's keyframes do not fit its cache (larger than --keyframe-cap) is
 * a switch made live at the layer's next keyframe start"). Found by `./kfrelay perf simulcast -- --keyframe-cap 4k`:
 * every waited switch left its receiver without the requested keyframe until the layer's next periodic one.
 */
class OversizeKeyframeSwitchTest {
    private static final int LOW = 10;
    private static final int HIGH = 11;
    /** 8 packets of 1020 bytes: over a 4 KiB cap, though its first four packets fit. */
    private static final int KEYFRAME_PACKETS = 8;

    private TestRelay relay;

    @AfterEach
    void close() {
        relay.close();
    }

    @Test
    @DisplayName("a switch to a layer with keyframes over the cap gets the requested keyframe whole and the layer live after it")
    void switchToOversizeLayerGetsTheWholeKeyframe() throws Exception {
        relay = new TestRelay(RelayConfig.builder().keyframeCapBytes(4096).build());
        TestPeer pub = relay.join("r", "pub");
        pub.simulcast(LOW, HIGH);
        relay.settle();
        pub.keyframe(LOW, 1);                        // LOW 0: fits, cached
        pub.keyframe(HIGH, KEYFRAME_PACKETS);        // HIGH 0..7: over the cap, not cached
        pub.delta(HIGH);                             // HIGH 8
        TestPeer viewer = relay.joinManual("r", "viewer");
        viewer.subscribe(pub, LOW, 0);
        relay.settle();
        viewer.subscribe(pub, LOW, 1);               // HIGH has nothing cached: a keyframe is asked for
        relay.settle();
        assertTrue(pub.sink.controls(ControlMessage.KeyframeRequest.class)
                .contains(new ControlMessage.KeyframeRequest(pub.id(), HIGH)));

        // The viewer's transport takes its time with the first packet of the new layer (as a real socket does while
        // the rest of the publisher's keyframe burst arrives).
        viewer.sink.closeGate();
        pub.keyframeStart(HIGH, 1, KEYFRAME_PACKETS); // HIGH 9: the answer starts
        assertTrue(viewer.sink.awaitBlocked(5_000), "the first packet of HIGH is on its way to the viewer");
        pub.keyframeRest(HIGH, 1, KEYFRAME_PACKETS);  // HIGH 10..16
        pub.delta(HIGH);                              // HIGH 17
        pub.delta(HIGH);                              // HIGH 18
        viewer.sink.open();
        relay.settle();

        assertEquals(HIGH, viewer.sink.controls(ControlMessage.Layer.class).getLast().streamId());
        List<Long> high = viewer.sink.media(pub.id(), HIGH).stream().map(Media::seq).toList();
        assertEquals(LongStream.rangeClosed(9, 18).boxed().toList(), high,
                "the requested keyframe whole, then live, gap-free (replays moved forward: "
                        + relay.stat(Stat.REPLAYS_SKIPPED_FORWARD) + ")");
    }
}
