package io.kfrelay.pipeline;

import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

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
}
