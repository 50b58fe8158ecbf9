package io.kfrelay.e2e;

import io.kfrelay.client.CertificatePin;
import io.kfrelay.client.ClientListener;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.transport.quic.QuicMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: over QUIC, media travels as datagrams no larger than the connection's datagram size (the client packetizes
 * below it; a bigger packet from elsewhere is not sent to a QUIC peer, and is counted); the relay is authenticated
 * by its pinned certificate fingerprint, or not at all when the client says so; {@code kfrelay publish} works over
 * it as over WebSocket.
 */
@Timeout(30)
class QuicTransportIT {
    private static final ClientListener NOTHING = new ClientListener() { };

    @Test
    void framesArePacketizedBelowTheDatagramSizeAndArrive() throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME)) {
            Received sub = new Received();
            relay.join("q", "sub", sub, Transport.QUIC);
            KfRelayClient pub = relay.join("q", "pub", new Received(),
                    ClientOptions.builder().maxPacketBytes(4000).build(), Transport.QUIC);
            int packets = pub.publishFrame(1, Protocol.KIND_VIDEO, true, new byte[5000], 0);
            Eventually.within(Duration.ofSeconds(5), () -> "the subscriber gets " + packets + " packets, has "
                    + sub.packetCount() + "; " + relay.counters(), () -> sub.packetCount() == packets);
            assertEquals(4, packets, "4000-byte packets asked for, 1408-byte datagrams used");
            assertTrue(sub.packets().stream().allMatch(p -> p.payloadBytes() + 20 <= 1408), "every packet fits a datagram");
        }
    }

    @Test
    void aPacketTooBigForAQuicPeersDatagramsIsNotSentToItAndIsCounted() throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME)) {
            Received overQuic = new Received();
            Received overWs = new Received();
            relay.join("big", "quic-sub", overQuic, Transport.QUIC);
            relay.join("big", "ws-sub", overWs, Transport.WS);
            KfRelayClient pub = relay.join("big", "pub", new Received(),
                    ClientOptions.builder().maxPacketBytes(3000).build(), Transport.WS);
            pub.publishFrame(2, Protocol.KIND_AUDIO, false, new byte[2000], 0); // one 2020-byte packet
            pub.publishFrame(2, Protocol.KIND_AUDIO, false, new byte[500], 960); // one that fits
            Eventually.within(Duration.ofSeconds(5), "the WebSocket subscriber gets both", () -> overWs.packetCount() == 2);
            Eventually.within(Duration.ofSeconds(5), "the QUIC subscriber gets the one that fits",
                    () -> overQuic.packetCount() == 1);
            assertEquals(1, relay.server().quicMetrics().get(QuicMetrics.Counter.DATAGRAMS_OVERSIZED));
            assertEquals(520, overQuic.packets().getFirst().payloadBytes() + 20);
        }
    }

    @Test
    void theRelayIsTrustedByItsPinOrNotAtAllButNeverByAccident() throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME)) {
            URI url = relay.url(Transport.QUIC);
            ClientOptions base = ClientOptions.builder().connectTimeout(Duration.ofSeconds(3)).build();
            ExecutionException unverified = assertThrows(ExecutionException.class, () ->
                    KfRelayClient.connect(url, base, NOTHING).get(10, TimeUnit.SECONDS));
            assertInstanceOf(IOException.class, unverified.getCause(), "a self-signed relay is not trusted by default");

            CertificatePin wrong = CertificatePin.parse("00".repeat(32));
            assertThrows(ExecutionException.class, () -> KfRelayClient.connect(url,
                    base.toBuilder().quic(base.quic().withPin(wrong)).build(), NOTHING).get(10, TimeUnit.SECONDS));

            try (KfRelayClient pinned = KfRelayClient.connect(url, relay.options(Transport.QUIC, base), NOTHING)
                    .get(5, TimeUnit.SECONDS);
                 KfRelayClient insecure = KfRelayClient.connect(url, base.toBuilder().quic(base.quic().withInsecure()).build(),
                         NOTHING).get(5, TimeUnit.SECONDS)) {
                assertTrue(pinned.join("t", "pinned", "").get(5, TimeUnit.SECONDS).participantId() > 0);
                assertTrue(insecure.join("t", "insecure", "").get(5, TimeUnit.SECONDS).participantId() > 0);
            }
        }
    }

    @Test
    void kfrelayPublishWorksOverQuic() throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME)) {
            Received sub = new Received();
            relay.join("cli", "sub", sub, Transport.QUIC);
            CliRun run = CliRun.of("publish", "--url", relay.url(Transport.QUIC).toString(),
                    "--pin", relay.server().quic().fingerprint().toString(), "--room", "cli",
                    "--file", "src/test/resources/media/sample.h264", "--fps", "120");
            assertEquals(0, run.status(), run.err());
            assertTrue(run.out().contains("published 120 frames"), run.out());
            // Media rides unreliable datagrams, and the client has no datagram credit yet: a keyframe burst can
            // overflow quiche's send queue, which drops silently (STACK.md). So: all but a few frames arrive.
            Eventually.within(Duration.ofSeconds(5), () -> "the subscriber sees the clip: at least 114 of 120 frame "
                            + "ends, saw " + sub.count(Received.Packet::frameEnd) + "; relay: " + relay.counters(),
                    () -> sub.count(Received.Packet::frameEnd) >= 114);
        }
    }
}
