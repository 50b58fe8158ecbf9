package io.kfrelay.admin;

import io.kfrelay.metrics.CacheMiss;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.RoomInfo;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How the admin API shows a room: its participants, their streams and each video stream's cache. */
final class RoomJson {
    private RoomJson() {
    }

    static Map<String, Object> room(RoomInfo room, int shard) {
        List<Object> participants = room.participants().stream().map(RoomJson::participant).map(Object.class::cast)
                .toList();
        long streams = room.participants().stream().mapToLong(p -> p.streams().size()).sum();
        return Json.object(
                "name", room.name(),
                "shard", shard,
                "participantCount", room.participants().size(),
                "streamCount", streams,
                "participants", participants);
    }

    private static Map<String, Object> participant(RoomInfo.ParticipantInfo p) {
        return Json.object(
                "id", p.id(),
                "identity", p.identity(),
                "replaying", p.replaying(),
                "catchUpBytes", p.catchUpBytes(),
                "streams", p.streams().stream().map(RoomJson::stream).map(Object.class::cast).toList(),
                "sources", p.sources().stream().map(RoomJson::source).map(Object.class::cast).toList(),
                "subscribe", p.autoSubscribe() ? "auto" : "manual",
                "subscriptionCount", p.subscriptionCount(),
                "subscriptions", p.subscriptions().stream().map(RoomJson::subscription).map(Object.class::cast).toList());
    }

    private static Map<String, Object> source(RoomInfo.SourceInfo s) {
        return Json.object(
                "id", s.sourceId(),
                "layers", s.streamIds(),
                "started", s.started(),
                "subscribers", s.subscribers());
    }

    /** One subscription: what was asked for and what is sent now. */
    private static Map<String, Object> subscription(RoomInfo.SubscriptionInfo s) {
        return Json.object(
                "publisher", s.publisherId(),
                s.simulcast() ? "source" : "stream", s.streamId(),
                "preference", !s.simulcast() ? null : s.preference() == Protocol.LAYER_AUTO ? "auto" : s.preference(),
                "layer", !s.simulcast() || s.layer() < 0 ? null : s.layer(),
                "layerStream", !s.simulcast() || s.layerStreamId() < 0 ? null : s.layerStreamId(),
                "switchingTo", s.pendingLayer() < 0 ? null : s.pendingLayer(),
                "waiting", s.waiting());
    }

    private static Map<String, Object> stream(RoomInfo.StreamInfo s) {
        return Json.object(
                "id", s.streamId(),
                "kind", Protocol.kindName(s.kind()),
                "subscribers", s.subscribers(),
                "cache", s.cacheMode() == null ? null : Json.object(
                        "mode", s.cacheMode(),
                        "bytes", s.cacheBytes(),
                        "capacityBytes", s.cacheCapacity(),
                        "packets", s.cachedPackets(),
                        "hasKeyframe", s.hasKeyframe(),
                        "assembling", s.assembling(),
                        "ageMs", s.cacheAgeNanos() < 0 ? null : s.cacheAgeNanos() / 1_000_000,
                        "lastMiss", miss(s.lastMiss())));
    }

    /** Why part of a picture did not fit, and which option would let it: what an operator needs to act. */
    private static Map<String, Object> miss(RoomInfo.CacheMissInfo m) {
        if (m == null) {
            return null;
        }
        boolean age = m.reason() == CacheMiss.GOP_TOO_OLD;
        return Json.object(
                "reason", m.reason().name().toLowerCase(Locale.ROOT),
                age ? "ageMs" : "bytes", age ? m.bytes() / 1_000_000 : m.bytes(),
                age ? "limitMs" : "limitBytes", age ? m.limit() / 1_000_000 : m.limit(),
                "raise", m.reason().option());
    }
}
