package io.kfrelay.e2e;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.transport.TransportMetrics;
import io.kfrelay.transport.TransportMetrics.Counter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Spec (PROTOCOL.md §4.12): after an UNSUBSCRIBE the relay sends nothing more of the stream and drops what it still
 * had queued of it for that receiver; only packets already handed to the transport may still arrive. Driven over a
 * real WebSocket: a receiver stops reading while a video stream piles up in its relay queue (past the point where the
 * queue drops video), unsubscribes from it, then reads again. Over TCP the client gets the packets in the order the
 * relay wrote them, so "nothing written after the unsubscribe is of the stream" can be checked exactly: the packets the
 * relay wrote after it are the last ones the client receives. (QUIC is left to the unit tests: a QUIC client that
 * stops reading loses datagrams in its own socket, so neither the order nor the other streams' completeness could be
 * checked there.)
 */
@Timeout(60)
class UnsubscribeIT {
    private static final int VIDEO = 1;
    private static final int AUDIO = 2;
    private static final int PACKET_BYTES = 16_000;
    /** Two packets per video frame. */
    private static final int FRAME_BYTES = 2 * (PACKET_BYTES - 20);
    private static final long FRAME_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(4);
    /** Far more than a stalled socket's kernel buffers and its relay queue (4 MiB) hold together. */
    private static final long MAX_STALL_BYTES = 64L << 20;

    private final Received pubEvents = new Received();
    private final Received got = new Received();
    private KfRelayClient pub;
    private long ts;
    private int audioSent;

    @Test
    void anUnsubscribedStreamsQueuedPacketsAreNeverSentAndASubscribeStartsItAgainFromAKeyframe() throws Exception {
        try (TestRelay relay = TestRelay.start(RelayConfig.builder().cacheMode(CacheMode.GOP).build())) {
            pub = relay.join("room", "pub", pubEvents, ClientOptions.builder().maxPacketBytes(PACKET_BYTES).build(),
                    Transport.WS);
            long pubId = pub.participantId();
            int videoSent = videoFrame(true);
            audio();
            Eventually.within(Duration.ofSeconds(5), "both streams started, the keyframe cached",
                    () -> relay.core().metrics().stat(Stat.STREAMS) == 2
                            && relay.core().metrics().stat(Stat.CACHE_ENTRIES) == 1);

            KfRelayClient viewer = relay.join("room", "viewer", ControlMessage.Join.MANUAL_SUBSCRIBE, got,
                    Transport.WS);
            viewer.subscribe(pubId, AUDIO);
            viewer.subscribe(pubId, VIDEO);
            Eventually.within(Duration.ofSeconds(5), "the video subscription starts with the cached keyframe",
                    () -> got.stream(pubId, VIDEO).size() == 2);
            audioSent = 0; // audio is live from its subscription on: count what is sent from here

            // The viewer stops reading: its socket's buffers fill, then its relay queue, until video is dropped.
            viewer.setReading(false);
            TransportMetrics ws = relay.server().metrics();
            long stallStart = System.nanoTime();
            long stallBytes = 0;
            for (int f = 0; ws.get(Counter.MEDIA_DROPPED) == 0; f++) {
                if (stallBytes > MAX_STALL_BYTES) {
                    fail("the stalled viewer's queue never dropped video after " + stallBytes + " bytes; "
                            + relay.counters());
                }
                LockSupport.parkNanos(stallStart + f * FRAME_INTERVAL_NANOS - System.nanoTime());
                videoSent += videoFrame(false);
                audio();
                stallBytes += FRAME_BYTES;
            }
            for (int f = 0; f < 10; f++) { // a few more: these the viewer's queue skips
                videoSent += videoFrame(false);
                audio();
            }
            int published = videoSent + 1 + audioSent; // and the first audio packet, before the viewer came
            Eventually.within(Duration.ofSeconds(5), "the relay has fanned out every packet published",
                    () -> relay.core().metrics().stat(Stat.INGRESS_PACKETS) >= published);

            viewer.unsubscribe(pubId, VIDEO);
            Eventually.within(Duration.ofSeconds(5), "the relay applied the UNSUBSCRIBE",
                    () -> relay.core().metrics().stat(Stat.UNSUBSCRIBES) == 1);
            long writtenBefore = stableCount(ws, Counter.EGRESS_PACKETS);

            // After the unsubscribe: video is not for the viewer any more, audio still is. A new GOP starts, so that a
            // later subscription replays a short one.
            for (int f = 0; f < 10; f++) {
                videoFrame(f == 0);
                audio();
            }

            viewer.setReading(true);
            int audioExpected = audioSent;
            Eventually.within(Duration.ofSeconds(15), () -> "the viewer gets every audio packet and everything the "
                            + "relay wrote: audio " + got.stream(pubId, AUDIO).size() + " of " + audioExpected
                            + ", packets " + got.packetCount() + " of " + ws.get(Counter.EGRESS_PACKETS) + "; "
                            + relay.counters(),
                    () -> got.stream(pubId, AUDIO).size() == audioExpected
                            && got.packetCount() == ws.get(Counter.EGRESS_PACKETS));

            List<Received.Packet> arrived = got.packets();
            List<Received.Packet> writtenAfter = arrived.subList((int) writtenBefore, arrived.size());
            assertTrue(writtenAfter.size() >= 10, "the relay wrote audio after the unsubscribe: " + writtenAfter.size());
            assertEquals(0, writtenAfter.stream().filter(p -> p.stream() == VIDEO).count(),
                    "nothing of the video written after the unsubscribe; " + relay.counters());

            long videoGot = got.stream(pubId, VIDEO).size();
            long purged = ws.get(Counter.MEDIA_PURGED);
            assertEquals(videoSent, videoGot + purged + ws.get(Counter.MEDIA_DROPPED) + ws.get(Counter.MEDIA_SKIPPED),
                    "every video packet for the viewer was sent (before the unsubscribe), dropped or skipped by its "
                            + "full queue, or purged at the unsubscribe; " + relay.counters());
            // The queue drops video deltas at 3 MiB, and held that much when the viewer unsubscribed.
            assertTrue(purged * PACKET_BYTES >= 2 << 20, "the queued video was purged: " + purged + " packets");

            List<Received.Packet> audio = got.stream(pubId, AUDIO);
            for (int i = 1; i < audio.size(); i++) {
                assertEquals(audio.get(i - 1).seq() + 1, audio.get(i).seq(), "audio intact, at packet " + i);
            }
            assertEquals(0, ws.get(Counter.SLOW_RECEIVERS_DISCONNECTED), relay.counters());
            assertTrue(got.errors.isEmpty(), () -> "no client errors: " + got.errors);

            // Subscribed again: the stream starts over from the cached GOP, and its live packets follow it, although
            // the viewer's queue had lost video of it before (that loss belonged to the old subscription).
            int videoBefore = got.stream(pubId, VIDEO).size();
            viewer.subscribe(pubId, VIDEO);
            Eventually.within(Duration.ofSeconds(5), "the new subscription's replay arrives",
                    () -> got.stream(pubId, VIDEO).size() > videoBefore);
            for (int f = 0; f < 20; f++) {
                videoFrame(false);
            }
            Eventually.within(Duration.ofSeconds(5), () -> "the live frames follow the replay; "
                    + relay.counters(), () -> got.stream(pubId, VIDEO).size() >= videoBefore + 2 * 30);
            List<Received.Packet> again = got.stream(pubId, VIDEO).subList(videoBefore, videoBefore + 2 * 30);
            Received.Packet first = again.getFirst();
            assertTrue(first.replay() && first.keyframe() && first.frameStart(),
                    "it starts with the cached keyframe, replayed: " + first);
            for (int i = 1; i < again.size(); i++) {
                assertEquals(again.get(i - 1).seq() + 1, again.get(i).seq(), "gap-free from the keyframe on, at packet "
                        + i + "; " + relay.counters());
            }
            assertEquals(20, again.stream().filter(p -> !p.replay()).count() / 2, "the 20 live frames");
        }
    }

    /** One video frame (two packets); returns the packets sent. */
    private int videoFrame(boolean keyframe) {
        return pub.publishFrame(VIDEO, Protocol.KIND_VIDEO, keyframe, new byte[FRAME_BYTES], ts += 3000);
    }

    private void audio() {
        audioSent += pub.publishFrame(AUDIO, Protocol.KIND_AUDIO, false, new byte[100], ts);
    }

    /** A counter that has stopped moving (read twice, 200 ms apart). */
    private static long stableCount(TransportMetrics m, Counter c) throws InterruptedException {
        long before;
        long now = m.get(c);
        do {
            before = now;
            Thread.sleep(200);
            now = m.get(c);
        } while (now != before);
        return now;
    }
}
