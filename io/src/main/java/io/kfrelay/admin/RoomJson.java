package io.kfrelay.admin;

import io.kfrelay.protocol.Protocol;
import io.kfrelay.room.RoomInfo;

import java.util.List;
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
                "streams", p.streams().stream().map(RoomJson::stream).map(Object.class::cast).toList());
    }

    private static Map<String, Object> stream(RoomInfo.StreamInfo s) {
        return Json.object(
                "id", s.streamId(),
                "kind", Protocol.kindName(s.kind()),
                "cache", s.cacheMode() == null ? null : Json.object(
                        "mode", s.cacheMode(),
                        "bytes", s.cacheBytes(),
                        "packets", s.cachedPackets(),
                        "hasKeyframe", s.hasKeyframe(),
                        "assembling", s.assembling(),
                        "ageMs", s.cacheAgeNanos() < 0 ? null : s.cacheAgeNanos() / 1_000_000));
    }
}
