package io.kfrelay.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kfrelay.json.JsonSupport;
import io.kfrelay.metrics.CacheMiss;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.RoomInfo;

import java.util.Locale;

/** How the admin API shows a room: its participants, their streams and each video stream's cache. */
final class RoomJson {
    private RoomJson() {
    }

    static ObjectNode room(RoomInfo room, int shard) {
        long streams = room.participants().stream().mapToLong(p -> p.streams().size()).sum();
        ObjectNode o = JsonSupport.object()
                .put("name", room.name())
                .put("shard", shard)
                .put("participantCount", room.participants().size())
                .put("streamCount", streams);
        var participants = o.putArray("participants");
        room.participants().forEach(p -> participants.add(participant(p)));
        return o;
    }

    private static ObjectNode participant(RoomInfo.ParticipantInfo p) {
        ObjectNode o = JsonSupport.object()
                .put("id", p.id())
                .put("identity", p.identity())
                .put("replaying", p.replaying())
                .put("catchUpBytes", p.catchUpBytes());
        var streams = o.putArray("streams");
        p.streams().forEach(s -> streams.add(stream(s)));
        var sources = o.putArray("sources");
        p.sources().forEach(s -> sources.add(source(s)));
        o.put("subscribe", p.autoSubscribe() ? "auto" : "manual")
                .put("subscriptionCount", p.subscriptionCount());
        var subscriptions = o.putArray("subscriptions");
        p.subscriptions().forEach(s -> subscriptions.add(subscription(s)));
        return o;
    }

    private static ObjectNode source(RoomInfo.SourceInfo s) {
        ObjectNode o = JsonSupport.object().put("id", s.sourceId());
        var layers = o.putArray("layers");
        s.streamIds().forEach(layers::add);
        var started = o.putArray("started");
        s.started().forEach(started::add);
        return o.put("subscribers", s.subscribers());
    }

    /** One subscription: what was asked for and what is sent now. */
    private static ObjectNode subscription(RoomInfo.SubscriptionInfo s) {
        ObjectNode o = JsonSupport.object()
                .put("publisher", s.publisherId())
                .put(s.simulcast() ? "source" : "stream", s.streamId());
        if (!s.simulcast()) {
            o.putNull("preference");
        } else if (s.preference() == Protocol.LAYER_AUTO) {
            o.put("preference", "auto");
        } else {
            o.put("preference", s.preference());
        }
        return o.put("layer", !s.simulcast() || s.layer() < 0 ? null : s.layer())
                .put("layerStream", !s.simulcast() || s.layerStreamId() < 0 ? null : s.layerStreamId())
                .put("switchingTo", s.pendingLayer() < 0 ? null : s.pendingLayer())
                .put("waiting", s.waiting());
    }

    private static ObjectNode stream(RoomInfo.StreamInfo s) {
        ObjectNode o = JsonSupport.object()
                .put("id", s.streamId())
                .put("kind", Protocol.kindName(s.kind()))
                .put("subscribers", s.subscribers());
        if (s.cacheMode() == null) {
            o.putNull("cache");
            return o;
        }
        ObjectNode cache = o.putObject("cache")
                .put("mode", s.cacheMode().name().toLowerCase(Locale.ROOT))
                .put("bytes", s.cacheBytes())
                .put("capacityBytes", s.cacheCapacity())
                .put("packets", s.cachedPackets())
                .put("hasKeyframe", s.hasKeyframe())
                .put("assembling", s.assembling())
                .put("ageMs", s.cacheAgeNanos() < 0 ? null : s.cacheAgeNanos() / 1_000_000);
        cache.set("lastMiss", miss(s.lastMiss()));
        return o;
    }

    /** Why part of a picture did not fit, and which option would let it: what an operator needs to act. */
    private static ObjectNode miss(RoomInfo.CacheMissInfo m) {
        if (m == null) {
            return null;
        }
        boolean age = m.reason() == CacheMiss.GOP_TOO_OLD;
        return JsonSupport.object()
                .put("reason", m.reason().name().toLowerCase(Locale.ROOT))
                .put(age ? "ageMs" : "bytes", age ? m.bytes() / 1_000_000 : m.bytes())
                .put(age ? "limitMs" : "limitBytes", age ? m.limit() / 1_000_000 : m.limit())
                .put("raise", m.reason().option());
    }
}
