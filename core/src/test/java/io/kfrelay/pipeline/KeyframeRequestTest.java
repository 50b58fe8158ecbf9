package io.kfrelay.pipeline;

import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.testing.RecordingSink;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the relay asks a publisher for a keyframe, and how often at most. */
class KeyframeRequestTest {
    private TestRelay relay;

    @AfterEach
    void close() {
        relay.close();
    }

    private static List<ControlMessage.KeyframeRequest> requests(TestPeer p) {
        return p.sink.controls(ControlMessage.KeyframeRequest.class);
    }

    @Test
    @DisplayName("joining a video stream whose cache is empty asks its publisher for a keyframe")
    void emptyCacheTriggersRequest() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).build());
        TestPeer pub = relay.join("r", "pub");
        pub.delta(1);
        pub.audio(2);
        relay.join("r", "late");
        assertEquals(List.of(new ControlMessage.KeyframeRequest(pub.id(), 1)), requests(pub), "video only, not audio");
    }

    @Test
    @DisplayName("gop mode with a cached GOP does not ask; keyframe mode asks on every join")
    void modeDecidesRequestOnJoin() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(1, 2);
        relay.join("r", "late");
        assertTrue(requests(pub).isEmpty());
        relay.close();

        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.KEYFRAME).build());
        pub = relay.join("r", "pub");
        pub.keyframe(1, 2);
        relay.join("r", "late");
        assertEquals(1, requests(pub).size());
    }

    @Test
    @DisplayName("keyframe mode: a stream the joiner gets from the cache is asked for its keyframe only once the replay is out")
    void keyframeModeAsksAfterTheReplay() throws Exception {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.KEYFRAME).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(1, 3);
        pub.delta(1);
        relay.settle();

        RecordingSink joinerSink = new RecordingSink();
        joinerSink.closeGate(); // holds the replay thread at its first packet
        relay.joinAsync("r", "late", joinerSink);
        assertTrue(joinerSink.awaitBlocked(10_000), "the replay started");
        relay.core.sync().get(10, TimeUnit.SECONDS);
        assertTrue(requests(pub).isEmpty(), "no live keyframe is asked for while the replay runs");

        joinerSink.open();
        relay.settle();
        assertEquals(List.of(new ControlMessage.KeyframeRequest(pub.id(), 1)), requests(pub));
        assertEquals(3, joinerSink.media().stream().filter(RecordingSink.Media::replay).count());
    }

    @ParameterizedTest(name = "{0} mode")
    @EnumSource(CacheMode.class)
    @DisplayName("a joiner replayed a keyframe still arriving asks for no other: its rest and what follows come live")
    void aReplayEndingInAKeyframeStillArrivingAsksNothing(CacheMode mode) throws Exception {
        relay = new TestRelay(RelayConfig.builder().cacheMode(mode).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(1, 2);
        pub.delta(1);
        pub.keyframeStart(1, 1, 3);
        relay.settle();

        RecordingSink joinerSink = new RecordingSink();
        relay.joinAsync("r", "late", joinerSink);
        relay.settle();
        pub.keyframeRest(1, 1, 3);
        pub.delta(1);
        relay.settle();
        assertTrue(requests(pub).isEmpty(), "asked " + requests(pub));
        assertEquals(mode == CacheMode.GOP ? 4 : 3,
                joinerSink.media().stream().filter(RecordingSink.Media::replay).count(),
                "the cached keyframe (and GOP), then the first packet of the one arriving");
    }

    @Test
    @DisplayName("keyframe mode: a joiner who leaves during its replay asks for no keyframe")
    void leaveDuringReplayAsksNothing() throws Exception {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.KEYFRAME).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(1, 3);
        relay.settle();

        RecordingSink joinerSink = new RecordingSink();
        joinerSink.closeGate();
        TestPeer late = relay.joinAsync("r", "late", joinerSink);
        assertTrue(joinerSink.awaitBlocked(10_000), "the replay started");
        late.session.leave();
        relay.core.sync().get(10, TimeUnit.SECONDS);
        joinerSink.open();
        relay.settle();
        assertTrue(requests(pub).isEmpty());
    }

    @Test
    @DisplayName("requests are throttled per stream: at most one per interval, whatever the number of joiners")
    void throttledPerStream() {
        relay = new TestRelay(RelayConfig.builder().keyframeRequestInterval(Duration.ofMillis(500)).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(1, 1);
        pub.keyframe(2, 1);
        for (int i = 0; i < 5; i++) {
            relay.join("r", "j" + i);
        }
        assertEquals(2, requests(pub).size(), "one per stream");
        assertEquals(8, relay.stat(Stat.KEYFRAME_REQUESTS_THROTTLED));

        relay.advance(Duration.ofMillis(499));
        relay.join("r", "early");
        assertEquals(2, requests(pub).size());

        relay.advance(Duration.ofMillis(1));
        relay.join("r", "later");
        assertEquals(4, requests(pub).size(), "the interval has passed for both streams");
        assertEquals(4, relay.stat(Stat.KEYFRAME_REQUESTS_SENT));
    }

    @Test
    @DisplayName("under sustained demand the interval doubles, up to 8x; a quiet stream goes back to the base interval")
    void throttleBacksOff() {
        relay = new TestRelay(RelayConfig.builder().keyframeRequestInterval(Duration.ofMillis(500)).build());
        TestPeer pub = relay.join("r", "pub");
        TestPeer sub = relay.join("r", "sub");
        pub.keyframe(1, 1);
        relay.settle();
        int sent = requests(pub).size();
        // Someone asks every 100 ms for 10 s: sent at 0, 0.5, 1.5, 3.5, 7.5 s (500, 1000, 2000, 4000 ms apart).
        List<Long> sentAt = new java.util.ArrayList<>();
        for (int ms = 0; ms < 10_000; ms += 100) {
            sub.session.requestKeyframe(pub.id(), 1);
            relay.settle();
            if (requests(pub).size() > sent) {
                sent = requests(pub).size();
                sentAt.add((long) ms);
            }
            relay.advance(Duration.ofMillis(100));
        }
        assertEquals(List.of(0L, 500L, 1500L, 3500L, 7500L), sentAt, "backed off to 4 s, not further");
        relay.advance(Duration.ofSeconds(10));   // quiet
        sub.session.requestKeyframe(pub.id(), 1);
        relay.settle();
        relay.advance(Duration.ofMillis(500));
        sub.session.requestKeyframe(pub.id(), 1);
        relay.settle();
        assertEquals(sent + 2, requests(pub).size(), "back to one per 500 ms");
    }

    @Test
    @DisplayName("a receiver's KEYFRAME_REQUEST is forwarded upstream, throttled with the rest")
    void receiverRequestForwarded() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).build());
        TestPeer pub = relay.join("r", "pub");
        TestPeer sub = relay.join("r", "sub");
        pub.keyframe(1, 1);
        relay.settle();
        sub.session.requestKeyframe(pub.id(), 1);
        sub.session.requestKeyframe(pub.id(), 1);
        sub.session.requestKeyframe(pub.id(), 99); // no such stream: ignored
        relay.settle();
        assertEquals(List.of(new ControlMessage.KeyframeRequest(pub.id(), 1)), requests(pub));
    }

    @Test
    @DisplayName("a request throttled inside the interval is owed: it goes out when the interval ends, unless a keyframe came")
    void throttledRequestIsOwed() {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).build());
        TestPeer pub = relay.join("r", "pub");
        pub.delta(1);
        TestPeer a = relay.join("r", "a");              // empty cache: asks (sent)
        relay.advance(Duration.ofMillis(100));
        a.session.requestKeyframe(pub.id(), 1);         // inside the interval: throttled, owed
        relay.settle();
        assertEquals(1, requests(pub).size());
        pub.delta(1);
        relay.settle();
        assertEquals(1, requests(pub).size(), "the interval has not ended");
        relay.advance(Duration.ofMillis(500));
        pub.delta(1);                                   // the next packet after the interval: the owed request goes
        relay.settle();
        assertEquals(2, requests(pub).size());

        relay.advance(Duration.ofMillis(100));
        a.session.requestKeyframe(pub.id(), 1);         // throttled again, owed
        relay.settle();
        pub.keyframe(1, 2);                             // but a keyframe comes: nothing is owed any more
        relay.advance(Duration.ofSeconds(5));
        pub.delta(1);
        relay.settle();
        assertEquals(2, requests(pub).size());
    }
}
