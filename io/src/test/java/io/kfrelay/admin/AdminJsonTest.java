package io.kfrelay.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.kfrelay.config.CacheMode;
import io.kfrelay.json.JsonSupport;
import io.kfrelay.metrics.CacheMiss;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.RoomInfo;
import io.kfrelay.room.RoomInfo.CacheMissInfo;
import io.kfrelay.room.RoomInfo.ParticipantInfo;
import io.kfrelay.room.RoomInfo.SourceInfo;
import io.kfrelay.room.RoomInfo.StreamInfo;
import io.kfrelay.room.RoomInfo.SubscriptionInfo;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API's JSON as written by Jackson: the documented shape, and valid JSON whatever names people pick. */
class AdminJsonTest {

    private static RoomInfo room(String name, String identity) {
        StreamInfo video = new StreamInfo(1, Protocol.KIND_VIDEO, 1, 1203580, 1310720, 1004, true, false, CacheMode.GOP,
                2_211_000_000L, new CacheMissInfo(CacheMiss.KEYFRAME_OVER_CAP, 2480112, 2097152));
        StreamInfo audio = new StreamInfo(2, Protocol.KIND_AUDIO, 1, 0, 0, 0, false, false, null, -1, null);
        ParticipantInfo alice = new ParticipantInfo(1, identity, false, 0, List.of(video, audio), true, List.of(), 0,
                List.of());
        ParticipantInfo bob = new ParticipantInfo(2, "bob", false, 0, List.of(), false,
                List.of(new SourceInfo(7, List.of(10, 11), List.of(true, false), 1)), 2, List.of(
                new SubscriptionInfo(1, 1, false, 0, -1, -1, -1, false),
                new SubscriptionInfo(3, 7, true, Protocol.LAYER_AUTO, 1, 11, -1, true)));
        return new RoomInfo(name, List.of(alice, bob));
    }

    @Test
    void aRoomIsWrittenCompactlyWithItsKeysInTheDocumentedOrder() {
        assertEquals("{\"name\":\"stage\",\"shard\":3,\"participantCount\":2,\"streamCount\":2,\"participants\":["
                        + "{\"id\":1,\"identity\":\"alice\",\"replaying\":false,\"catchUpBytes\":0,\"streams\":["
                        + "{\"id\":1,\"kind\":\"video\",\"subscribers\":1,\"cache\":{\"mode\":\"gop\",\"bytes\":1203580,"
                        + "\"capacityBytes\":1310720,\"packets\":1004,\"hasKeyframe\":true,\"assembling\":false,\"ageMs\":2211,"
                        + "\"lastMiss\":{\"reason\":\"keyframe_over_cap\",\"bytes\":2480112,\"limitBytes\":2097152,"
                        + "\"raise\":\"--keyframe-cap\"}}},"
                        + "{\"id\":2,\"kind\":\"audio\",\"subscribers\":1,\"cache\":null}],"
                        + "\"sources\":[],\"subscribe\":\"auto\",\"subscriptionCount\":0,\"subscriptions\":[]},"
                        + "{\"id\":2,\"identity\":\"bob\",\"replaying\":false,\"catchUpBytes\":0,\"streams\":[],"
                        + "\"sources\":[{\"id\":7,\"layers\":[10,11],\"started\":[true,false],\"subscribers\":1}],"
                        + "\"subscribe\":\"manual\",\"subscriptionCount\":2,\"subscriptions\":["
                        + "{\"publisher\":1,\"stream\":1,\"preference\":null,\"layer\":null,\"layerStream\":null,"
                        + "\"switchingTo\":null,\"waiting\":false},"
                        + "{\"publisher\":3,\"source\":7,\"preference\":\"auto\",\"layer\":1,\"layerStream\":11,"
                        + "\"switchingTo\":null,\"waiting\":true}]}]}\n",
                AdminResponse.ok(RoomJson.room(room("stage", "alice"), 3)).body());
    }

    @Test
    void errorsAreAnObjectWithOneMessage() {
        AdminResponse r = AdminResponse.error(404, "no room 'a\"b'");
        assertEquals(404, r.status());
        assertEquals(AdminResponse.JSON, r.contentType());
        assertEquals("{\"error\":\"no room 'a\\\"b'\"}\n", r.body());
    }

    @Test
    void hostileNamesComeBackAsValidJsonThatReadsAsTheSameName() throws Exception {
        String name = "q\"uote \\ back/slash \u0000\u0001\u001f\t\n\r\b\f \u007f \u2028\u2029 </script> \uFEFF";
        String identity = "Zo\u00eb \uD83C\uDFA5 \uD800\uDC00 \uDBFF\uDFFF";
        String body = AdminResponse.ok(RoomJson.room(room(name, identity), 0)).body();

        assertTrue(body.chars().allMatch(c -> c >= 0x20 || c == '\n'), "no raw control character: " + body);
        assertTrue(body.indexOf('\n') == body.length() - 1, "one line");
        JsonNode read = JsonSupport.MAPPER.readTree(body.getBytes(StandardCharsets.UTF_8)); // as sent: UTF-8
        assertEquals(name, read.get("name").asText());
        assertEquals(identity, read.get("participants").get(0).get("identity").asText(), "non-BMP characters kept");
    }

    @Test
    void aLoneSurrogateStillGivesValidJson() throws Exception {
        for (String name : List.of("\uD800", "a\uDC00b", "\uDBFFx", "x\uDFFF")) {
            String body = AdminResponse.ok(RoomJson.room(room(name, name), 0)).body();
            // What the admin server sends: the body encoded as UTF-8, where a lone surrogate cannot go as itself.
            byte[] sent = body.getBytes(StandardCharsets.UTF_8);
            JsonNode read = JsonSupport.MAPPER.readTree(sent);
            assertEquals(name.replaceAll("[\uD800-\uDFFF]", "?"), read.get("name").asText(), "replaced, not broken");
            assertEquals(2, read.get("participantCount").asInt(), "and everything after it intact");
        }
    }
}
