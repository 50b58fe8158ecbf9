package io.kfrelay.e2e;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.media.h264.AccessUnits;
import io.kfrelay.media.h264.SampleStream;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage.Join;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.RoomInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.kfrelay.e2e.SamplePublisher.AUDIO;
import static io.kfrelay.e2e.SamplePublisher.VIDEO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (selective subscription, PROTOCOL.md §4.1, §4.11, §4.12, §4.15): a participant that joins with
 * MANUAL_SUBSCRIBE receives no media until it subscribes, then exactly the streams it subscribed to. Each new
 * subscription starts like a late join, from the relay's cache: in gop mode the replayed keyframe, the GOP since, then
 * live, with no sequence number missing. UNSUBSCRIBE stops the stream; a later SUBSCRIBE starts it again from the
 * cache. What the relay cannot apply it refuses (SUBSCRIBE_REFUSED, with a code) and the connection stays open. A
 * participant that joins without the option still gets everything, as before. Over WebSocket and QUIC.
 */
@Timeout(60)
class SubscriptionIT {
    private static final Duration WITHIN = Duration.ofSeconds(5);

    @ParameterizedTest(name = "over {0}")
    @EnumSource(Transport.class)
    void aManualSubscriberGetsExactlyWhatItSubscribesToEachStreamStartingFromTheCache(Transport transport)
            throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.GOP);
             SamplePublisher alice = SamplePublisher.videoAndAudio(relay, "room", "alice", transport);
             SamplePublisher bob = SamplePublisher.videoOnly(relay, "room", "bob", transport)) {
            Thread.sleep(1400); // mid-GOP: the sample has an IDR every 30 frames at 30 fps
            Received picky = new Received();
            KfRelayClient client = relay.join("room", "picky", picky, transport, Join.MANUAL_SUBSCRIBE);
            Received everything = new Received();
            relay.join("room", "default", everything, transport);

            Eventually.within(WITHIN, () -> "a joiner without the option gets every stream, has " + everything.byStream()
                            .keySet(), () -> everything.byStream().keySet().equals(Set.of(key(alice, VIDEO), key(alice, AUDIO),
                    key(bob, VIDEO))) && everything.stream(bob.id(), VIDEO).size() > 30);
            assertEquals(0, picky.packetCount(), "a manual subscriber gets no media before it subscribes");

            client.subscribe(alice.id(), VIDEO, 0);
            Eventually.within(WITHIN, "alice's video arrives", () -> picky.stream(alice.id(), VIDEO).size() > 30);
            List<Received.Packet> aliceVideo = picky.stream(alice.id(), VIDEO);
            LateJoinerIT.assertStartsWithReplayedKeyframe(aliceVideo, "alice's video after SUBSCRIBE (" + transport + ")");
            LateJoinerIT.assertGapFree(aliceVideo, "alice's video after SUBSCRIBE (" + transport + ")");

            client.subscribe(bob.id(), VIDEO, Protocol.LAYER_AUTO);
            Eventually.within(WITHIN, "bob's video arrives", () -> picky.stream(bob.id(), VIDEO).size() > 30);
            List<Received.Packet> bobVideo = picky.stream(bob.id(), VIDEO);
            LateJoinerIT.assertStartsWithReplayedKeyframe(bobVideo, "bob's video after SUBSCRIBE (" + transport + ")");
            LateJoinerIT.assertGapFree(bobVideo, "bob's video after SUBSCRIBE (" + transport + ")");

            client.unsubscribe(alice.id(), VIDEO);
            Eventually.within(WITHIN, "the relay has applied the UNSUBSCRIBE",
                    () -> subscriptions(relay, client).stream().noneMatch(s -> s.publisherId() == alice.id()));
            Thread.sleep(300); // what was already handed to the transport may still arrive
            int stopped = picky.stream(alice.id(), VIDEO).size();
            int bobBefore = picky.stream(bob.id(), VIDEO).size();
            Thread.sleep(700);
            assertEquals(stopped, picky.stream(alice.id(), VIDEO).size(), "nothing of alice's video after UNSUBSCRIBE");
            assertTrue(picky.stream(bob.id(), VIDEO).size() > bobBefore + 10, "bob's video goes on");

            client.subscribe(alice.id(), VIDEO, 0);
            Eventually.within(WITHIN, "alice's video arrives again",
                    () -> picky.stream(alice.id(), VIDEO).size() > stopped + 30);
            List<Received.Packet> again = picky.stream(alice.id(), VIDEO);
            again = again.subList(stopped, again.size());
            LateJoinerIT.assertStartsWithReplayedKeyframe(again, "alice's video after a second SUBSCRIBE (" + transport + ")");
            LateJoinerIT.assertGapFree(again, "alice's video after a second SUBSCRIBE (" + transport + ")");

            assertEquals(Set.of(key(alice, VIDEO), key(bob, VIDEO)), picky.byStream().keySet(),
                    "nothing the manual subscriber did not ask for (alice's audio)");
            assertTrue(picky.refusals.isEmpty(), () -> "no refusal: " + picky.refusals);
            assertTrue(picky.errors.isEmpty(), () -> "no client errors: " + picky.errors);
            assertTrue(everything.errors.isEmpty(), () -> "no client errors: " + everything.errors);
        }
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(Transport.class)
    void whatTheRelayCannotApplyItRefusesWithACodeAndTheConnectionStaysOpen(Transport transport) throws Exception {
        List<AccessUnit> sample = AccessUnits.of(SampleStream.bytes());
        try (TestRelay relay = TestRelay.start(CacheMode.GOP);
             SamplePublisher alice = SamplePublisher.videoOnly(relay, "room", "alice", transport);
             SamplePublisher carol = SamplePublisher.simulcast(List.of(sample, sample), "carol",
                     l -> relay.join("room", "carol", l, transport))) {
            Received picky = new Received();
            KfRelayClient client = relay.join("room", "picky", picky, transport, Join.MANUAL_SUBSCRIBE);
            Eventually.within(WITHIN, "carol's source is announced", () -> picky.events.contains(
                    "simulcast " + carol.id() + " [1, 2]"));
            long nobody = 999_999;

            client.unsubscribe(alice.id(), 9); // not subscribed: not an error, no answer
            client.subscribe(alice.id(), 9, 0);
            client.subscribe(nobody, VIDEO, 0);
            client.subscribe(client.participantId(), VIDEO, 0);
            client.subscribe(alice.id(), VIDEO, 1);
            client.subscribe(carol.id(), VIDEO, 2);
            List<Received.Refusal> expected = List.of(
                    new Received.Refusal(alice.id(), 9, ErrorCodes.NO_SUCH_STREAM, ""),
                    new Received.Refusal(nobody, VIDEO, ErrorCodes.NO_SUCH_STREAM, ""),
                    new Received.Refusal(client.participantId(), VIDEO, ErrorCodes.OWN_STREAM, ""),
                    new Received.Refusal(alice.id(), VIDEO, ErrorCodes.NO_SUCH_LAYER, ""),
                    new Received.Refusal(carol.id(), VIDEO, ErrorCodes.NO_SUCH_LAYER, ""));
            Eventually.within(WITHIN, () -> "five refusals, got " + picky.refusals, () -> picky.refusals.size() >= 5);
            assertEquals(expected, picky.refusals.stream()
                            .map(r -> new Received.Refusal(r.publisher(), r.stream(), r.code(), "")).toList(),
                    "unknown stream, unknown publisher, own stream, a layer a plain stream lacks, a layer the source lacks");
            picky.refusals.forEach(r -> assertFalse(r.reason().isBlank(), "each refusal says why: " + r));

            client.subscribe(alice.id(), VIDEO, 0);
            Eventually.within(WITHIN, "the connection still works: alice's video arrives",
                    () -> picky.stream(alice.id(), VIDEO).size() > 10);
            LateJoinerIT.assertStartsWithReplayedKeyframe(picky.stream(alice.id(), VIDEO), "alice's video");
            assertFalse(client.isClosed(), "the connection stays open");
            assertEquals(5, picky.refusals.size(), "only the five refusals: " + picky.refusals);
            relay.core().sync().get(5, TimeUnit.SECONDS);
            assertEquals(5, relay.core().metrics().stat(Stat.SUBSCRIBES_REFUSED), "the relay counts them");
            assertTrue(picky.errors.isEmpty(), () -> "no client errors: " + picky.errors);
        }
    }

    private static String key(SamplePublisher publisher, int stream) {
        return publisher.id() + "/" + stream;
    }

    /** What the relay's room view says {@code client} is subscribed to. */
    static List<RoomInfo.SubscriptionInfo> subscriptions(TestRelay relay, KfRelayClient client) {
        try {
            RoomInfo room = relay.core().room(client.joined().room()).get(5, TimeUnit.SECONDS);
            return room.participants().stream().filter(p -> p.id() == client.participantId()).findFirst()
                    .orElseThrow().subscriptions();
        } catch (Exception e) {
            throw new AssertionError("cannot read the room", e);
        }
    }
}
