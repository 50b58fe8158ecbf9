package io.kfrelay.e2e;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.metrics.KeyframeReject;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: QUIC datagrams are lost for real, and the keyframe cache holds anyway. A keyframe that reaches the relay
 * with a packet missing is never cached nor replayed: a late joiner is replayed the last complete one, whole, and
 * so starts with a decodable picture. A receiver that sees the hole asks for a keyframe, and the relay passes the
 * request on to the publisher.
 */
@Timeout(60)
class DatagramLossIT {
    private static final int STREAM = 1;
    /** Six full 1200-byte packets: each travels in a large QUIC packet, which the proxy can pick out. */
    private static final int KEYFRAME_BYTES = 6 * 1180;

    @Test
    void aKeyframeMissingAPacketIsNeverReplayedAndACompleteOneIs() throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME);
             LossyUdpProxy proxy = new LossyUdpProxy(new InetSocketAddress("127.0.0.1", relay.server().quic().address().getPort()))) {
            Received publisherHears = new Received();
            KfRelayClient pub = relay.join(URI.create("quic://127.0.0.1:" + proxy.port()), "lossy", "pub", publisherHears,
                    relay.options(Transport.QUIC));
            long pubId = pub.participantId();
            Received live = new Received();
            KfRelayClient liveClient = relay.join("lossy", "live", live, Transport.QUIC);

            int k1 = publishGop(pub, 0);
            Eventually.within(Duration.ofSeconds(5), "the live subscriber gets the first GOP whole",
                    () -> live.stream(pubId, STREAM).size() == k1 + 3);
            Thread.sleep(600); // past the relay's keyframe-request throttle for the joins so far
            int requestsBefore = keyframeRequests(publisherHears);

            proxy.dropLargeClientPacket(3); // the third packet of the next keyframe never reaches the relay
            publishGop(pub, 12_000);
            Eventually.within(Duration.ofSeconds(5), "the second keyframe arrives with a hole",
                    () -> proxy.dropped() == 1 && live.stream(pubId, STREAM).stream().filter(p -> p.timestamp() == 12_000).count() == k1 - 1
                            && live.stream(pubId, STREAM).size() == 2 * (k1 + 3) - 1);
            Eventually.within(Duration.ofSeconds(5), "the subscriber asks for a keyframe; the relay passes it on",
                    () -> liveClient.lossKeyframeRequests() == 1 && keyframeRequests(publisherHears) > requestsBefore);
            relay.core().sync().get(5, TimeUnit.SECONDS);
            assertTrue(relay.core().metrics().keyframeRejects(KeyframeReject.GAP) >= 1, "the relay refused the broken keyframe");

            Received late = new Received();
            relay.join("lossy", "late", late, Transport.QUIC);
            Eventually.within(Duration.ofSeconds(5), "the late joiner is replayed a keyframe",
                    () -> late.count(Received.Packet::replay) == k1);
            List<Received.Packet> replayed = late.stream(pubId, STREAM);
            LateJoinerIT.assertStartsWithReplayedKeyframe(replayed, "replay after a lost packet");
            assertTrue(replayed.subList(0, k1).stream().allMatch(p -> p.timestamp() == 0),
                    "the replay is the first keyframe, complete, not the broken second one");

            publishGop(pub, 24_000); // complete again
            Eventually.within(Duration.ofSeconds(5), "the live subscriber gets the third keyframe",
                    () -> live.stream(pubId, STREAM).stream().filter(p -> p.timestamp() == 24_000).count() == k1);
            Received later = new Received();
            relay.join("lossy", "later", later, Transport.QUIC);
            Eventually.within(Duration.ofSeconds(5), "a later joiner is replayed the newest complete keyframe",
                    () -> later.count(Received.Packet::replay) == k1);
            List<Received.Packet> newest = later.stream(pubId, STREAM);
            LateJoinerIT.assertStartsWithReplayedKeyframe(newest, "replay of the third keyframe");
            assertEquals(24_000, newest.getFirst().timestamp(), "the third keyframe replaces the first in the cache");
        }
    }

    /** A keyframe of six packets and three one-packet deltas; returns the keyframe's packet count. */
    private static int publishGop(KfRelayClient pub, long timestamp) throws InterruptedException {
        int packets = pub.publishFrame(STREAM, Protocol.KIND_VIDEO, true, new byte[KEYFRAME_BYTES], timestamp);
        for (int i = 1; i <= 3; i++) {
            Thread.sleep(20);
            pub.publishFrame(STREAM, Protocol.KIND_VIDEO, false, new byte[300], timestamp + i * 3000L);
        }
        return packets;
    }

    private static int keyframeRequests(Received r) {
        return (int) r.events.stream().filter(e -> e.equals("keyframe-request " + STREAM)).count();
    }
}
