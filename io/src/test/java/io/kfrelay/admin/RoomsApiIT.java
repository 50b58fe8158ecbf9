package io.kfrelay.admin;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.client.RelayErrorException;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.RoomInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: /api/rooms shows what the relay's room state holds — rooms, participants, their streams and each video
 * stream's cache (mode, bytes, packets, age) — and an operator can kick one participant out of a room.
 */
@Timeout(60)
class RoomsApiIT {

    @Test
    void theRoomsApiShowsTheRoomStateWithEachVideoStreamsCache() throws Exception {
        try (AdminRelay relay = AdminRelay.start(RelayConfig.builder().cacheMode(CacheMode.GOP).build())) {
            KfRelayClient alice = relay.join("stage", "alice", new MediaCount());
            MediaCount bobMedia = new MediaCount();
            KfRelayClient bob = relay.join("stage", "bob", bobMedia);
            relay.join("team a/b+c", "carol", new MediaCount()); // a name that needs escaping in a URL
            alice.publishFrame(1, Protocol.KIND_VIDEO, true, new byte[3000], 0);  // 3 packets, cached
            alice.publishFrame(1, Protocol.KIND_VIDEO, false, new byte[500], 3000); // gop mode: appended
            alice.publishFrame(2, Protocol.KIND_AUDIO, false, new byte[160], 0);  // audio: never cached
            Eventually.within(Duration.ofSeconds(10), () -> "bob got " + bobMedia.packets, () -> bobMedia.packets.get() == 5);

            Map<String, Object> all = JsonReader.object(ok(relay.admin.get("/api/rooms")).body());
            assertEquals(2L, all.get("roomCount"));
            List<?> rooms = (List<?>) all.get("rooms");
            assertEquals(List.of("stage", "team a/b+c"), rooms.stream().map(r -> ((Map<?, ?>) r).get("name")).toList(),
                    "rooms by name");

            RoomInfo truth = relay.server.core().room("stage").get(5, TimeUnit.SECONDS);
            Map<String, Object> stage = JsonReader.object(ok(relay.admin.get("/api/rooms/stage")).body());
            assertRoomMatches(truth, stage);
            @SuppressWarnings("unchecked")
            Map<String, Object> listed = (Map<String, Object>) rooms.get(0);
            assertRoomMatches(truth, listed);

            Map<?, ?> video = stream(stage, alice.participantId(), 1);
            Map<?, ?> cache = (Map<?, ?>) video.get("cache");
            assertEquals("video", video.get("kind"));
            assertEquals("gop", cache.get("mode"));
            assertEquals(3000L + 3 * 20 + 500 + 20, cache.get("bytes"), "the keyframe and the delta after it, headers included");
            assertEquals(4L, cache.get("packets"));
            assertEquals(true, cache.get("hasKeyframe"));
            assertTrue((Long) cache.get("ageMs") >= 0 && (Long) cache.get("ageMs") < 10_000, "cache age: " + cache.get("ageMs"));
            Map<?, ?> audio = stream(stage, alice.participantId(), 2);
            assertEquals("audio", audio.get("kind"));
            assertNull(audio.get("cache"), "audio has no cache");

            assertEquals("carol", participants(JsonReader.object(ok(relay.admin.get("/api/rooms/team%20a%2Fb+c")).body()))
                    .getFirst().get("identity"), "room names are percent-decoded, '+' stays a plus");
            assertEquals(404, relay.admin.get("/api/rooms/nowhere").statusCode());
            assertTrue(bob.joined() != null);
        }
    }

    @Test
    void theRoomsApiShowsSourcesSubscriptionsAndTheLayerEachReceiverGets() throws Exception {
        try (AdminRelay relay = AdminRelay.start(RelayConfig.builder().cacheMode(CacheMode.GOP).build())) {
            KfRelayClient pub = relay.join("stage", "pub", new MediaCount());
            pub.declareSimulcast(10, 11).get(5, TimeUnit.SECONDS);
            pub.publishFrame(10, Protocol.KIND_VIDEO, true, new byte[1000], 0);
            pub.publishFrame(11, Protocol.KIND_VIDEO, true, new byte[3000], 0);
            pub.publishFrame(3, Protocol.KIND_AUDIO, false, new byte[160], 0);
            MediaCount viewerMedia = new MediaCount();
            KfRelayClient viewer = relay.connect(viewerMedia);
            viewer.join("stage", "viewer", "", io.kfrelay.protocol.ControlMessage.Join.MANUAL_SUBSCRIBE).get(5, TimeUnit.SECONDS);
            viewer.subscribe(pub.participantId(), 10, 0);
            viewer.subscribe(pub.participantId(), 3);
            MediaCount autoMedia = new MediaCount();
            KfRelayClient auto = relay.join("stage", "auto", autoMedia);
            Eventually.within(Duration.ofSeconds(10), () -> "viewer got " + viewerMedia.packets,
                    () -> viewerMedia.packets.get() == 1);
            Eventually.within(Duration.ofSeconds(10), () -> "auto got " + autoMedia.packets,
                    () -> autoMedia.packets.get() == 3);

            Map<String, Object> stage = JsonReader.object(ok(relay.admin.get("/api/rooms/stage")).body());
            Map<String, Object> p = participant(stage, pub.participantId());
            assertEquals(List.of(Map.of("id", 10L, "layers", List.of(10L, 11L), "started", List.of(true, true),
                    "subscribers", 2L)), p.get("sources"));
            Map<String, Object> v = participant(stage, viewer.participantId());
            assertEquals("manual", v.get("subscribe"));
            assertEquals(2L, v.get("subscriptionCount"));
            List<?> subs = (List<?>) v.get("subscriptions");
            assertEquals(2, subs.size(), "its own choices are listed: " + subs);
            Map<?, ?> source = subs.stream().map(x -> (Map<?, ?>) x).filter(x -> x.containsKey("source")).findFirst().orElseThrow();
            assertEquals(0L, source.get("preference"));
            assertEquals(0L, source.get("layer"));
            assertEquals(10L, source.get("layerStream"));
            Map<String, Object> a = participant(stage, auto.participantId());
            assertEquals("auto", a.get("subscribe"));
            assertEquals(2L, a.get("subscriptionCount"), "the audio stream and the source");
            Map<?, ?> autoSource = (Map<?, ?>) ((List<?>) a.get("subscriptions")).getFirst();
            assertEquals("auto", autoSource.get("preference"));
            assertEquals(1L, autoSource.get("layer"), "auto starts at the top layer");

            viewer.subscribe(pub.participantId(), 10, 1);
            Eventually.within(Duration.ofSeconds(10), () -> "viewer got " + viewerMedia.packets,
                    () -> viewerMedia.packets.get() == 1 + 3);
            Scrape metrics = relay.scrape();
            assertEquals(1, metrics.value("kfrelay_layer_switches_total{cause=\"requested\"}"));
            assertEquals(1, metrics.value("kfrelay_layer_switches_served_total{from=\"cache\"}"));
            assertEquals(0, metrics.value("kfrelay_layer_switches_served_total{from=\"keyframe_request\"}"));
            assertEquals(1, metrics.value("kfrelay_simulcast_sources"));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> participant(Map<String, Object> room, long id) {
        return participants(room).stream().filter(p -> p.get("id").equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no participant " + id + " in " + room));
    }

    @Test
    void anOperatorKicksOneParticipantAndTheOthersStay() throws Exception {
        try (AdminRelay relay = AdminRelay.start(RelayConfig.defaults())) {
            relay.join("stage", "alice", new MediaCount());
            MediaCount bobSees = new MediaCount();
            KfRelayClient bob = relay.join("stage", "bob", bobSees);
            long bobId = bob.participantId();

            assertEquals(404, relay.admin.post("/api/rooms/elsewhere/participants/" + bobId + "/kick").statusCode(),
                    "bob is not in that room");
            assertEquals(405, relay.admin.get("/api/rooms/stage/participants/" + bobId + "/kick").statusCode(),
                    "a kick is a POST");
            HttpResponse<String> kicked = ok(relay.admin.post("/api/rooms/stage/participants/" + bobId + "/kick"));
            assertEquals(Map.of("room", "stage", "participant", bobId, "kicked", true), JsonReader.object(kicked.body()));

            Eventually.within(Duration.ofSeconds(5), () -> "bob is told and disconnected: " + bobSees.relayErrors,
                    () -> bobSees.closed && !bobSees.relayErrors.isEmpty());
            RelayErrorException error = bobSees.relayErrors.getFirst();
            assertEquals(ErrorCodes.KICKED, error.code());
            Eventually.within(Duration.ofSeconds(5), () -> "only alice is left",
                    () -> participantNames(relay).equals(List.of("alice")));
            assertEquals(404, relay.admin.post("/api/rooms/stage/participants/" + bobId + "/kick").statusCode(),
                    "a second kick finds nobody");
        }
    }

    private static List<String> participantNames(AdminRelay relay) {
        try {
            return participants(JsonReader.object(relay.admin.get("/api/rooms/stage").body())).stream()
                    .map(p -> (String) p.get("identity")).toList();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Every participant and stream of the JSON is the room state's, field by field. */
    private static void assertRoomMatches(RoomInfo truth, Map<String, Object> json) {
        assertEquals(truth.name(), json.get("name"));
        assertEquals((long) truth.participants().size(), json.get("participantCount"));
        List<Map<String, Object>> ps = participants(json);
        assertEquals(truth.participants().size(), ps.size());
        for (int i = 0; i < ps.size(); i++) {
            RoomInfo.ParticipantInfo p = truth.participants().get(i);
            Map<String, Object> jp = ps.get(i);
            assertEquals((long) p.id(), jp.get("id"));
            assertEquals(p.identity(), jp.get("identity"));
            List<?> streams = (List<?>) jp.get("streams");
            assertEquals(p.streams().size(), streams.size(), p.identity() + "'s streams");
            for (int j = 0; j < streams.size(); j++) {
                RoomInfo.StreamInfo s = p.streams().get(j);
                Map<?, ?> js = (Map<?, ?>) streams.get(j);
                assertEquals((long) s.streamId(), js.get("id"));
                assertEquals(Protocol.kindName(s.kind()), js.get("kind"));
                Map<?, ?> cache = (Map<?, ?>) js.get("cache");
                if (s.cacheMode() == null) {
                    assertNull(cache);
                } else {
                    assertEquals(s.cacheBytes(), cache.get("bytes"));
                    assertEquals((long) s.cachedPackets(), cache.get("packets"));
                    assertEquals(s.hasKeyframe(), cache.get("hasKeyframe"));
                    assertEquals(s.assembling(), cache.get("assembling"));
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> participants(Map<String, Object> room) {
        return (List<Map<String, Object>>) room.get("participants");
    }

    private static Map<?, ?> stream(Map<String, Object> room, long participant, int streamId) {
        return participants(room).stream().filter(p -> p.get("id").equals(participant))
                .flatMap(p -> ((List<?>) p.get("streams")).stream()).map(s -> (Map<?, ?>) s)
                .filter(s -> s.get("id").equals((long) streamId)).findFirst()
                .orElseThrow(() -> new AssertionError("no stream " + participant + "/" + streamId + " in " + room));
    }

    private static HttpResponse<String> ok(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), () -> r.uri() + " answered " + r.statusCode() + ": " + r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        return r;
    }
}
