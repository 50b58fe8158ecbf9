package io.kfrelay.room;

import io.kfrelay.cache.StreamCache;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.time.NanoClock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Read-only views of a shard's rooms, taken on the consumer in ring order: the admin API's and JOINED's. */
final class RoomViews {
    private final Map<String, Room> rooms;
    private final NanoClock clock;

    RoomViews(Map<String, Room> rooms, NanoClock clock) {
        this.rooms = rooms;
        this.clock = clock;
    }

    List<RoomInfo> rooms() {
        List<RoomInfo> out = new ArrayList<>(rooms.size());
        for (Room room : rooms.values()) {
            out.add(describe(room));
        }
        return out;
    }

    RoomInfo room(String name) {
        Room room = rooms.get(name);
        return room == null ? null : describe(room);
    }

    private RoomInfo describe(Room room) {
        long now = clock.nanoTime();
        List<RoomInfo.ParticipantInfo> ps = new ArrayList<>();
        for (Participant p : room.members) {
            List<RoomInfo.StreamInfo> ss = new ArrayList<>();
            for (PublishedStream s : p.streams.values()) {
                ss.add(stream(s, now));
            }
            ss.sort(Comparator.comparingInt(RoomInfo.StreamInfo::streamId));
            ps.add(new RoomInfo.ParticipantInfo(p.id, p.identity, p.replay != null,
                    p.catchUp == null ? 0 : p.catchUp.mediaBytes(), List.copyOf(ss), p.autoSubscribe,
                    sources(p), p.streamSubscriptions.size() + p.sourceSubscriptions.size(), subscriptions(p)));
        }
        return new RoomInfo(room.name, List.copyOf(ps));
    }

    private static List<RoomInfo.SourceInfo> sources(Participant p) {
        List<RoomInfo.SourceInfo> out = new ArrayList<>(p.sources.size());
        for (SimulcastSource source : p.sources) {
            List<Boolean> started = new ArrayList<>(source.layerCount());
            for (PublishedStream layer : source.layers) {
                started.add(layer != null);
            }
            out.add(new RoomInfo.SourceInfo(source.sourceId(),
                    java.util.Arrays.stream(source.streamIds).boxed().toList(), List.copyOf(started),
                    source.subscribers.size()));
        }
        return List.copyOf(out);
    }

    private static List<RoomInfo.SubscriptionInfo> subscriptions(Participant p) {
        List<RoomInfo.SubscriptionInfo> out = new ArrayList<>();
        for (Subscription leg : p.subscriptions) {
            if (leg.source == null && !p.autoSubscribe) {
                out.add(new RoomInfo.SubscriptionInfo(leg.stream.owner.id, leg.stream.streamId, false, 0, 0,
                        leg.stream.streamId, -1, leg.awaitingKeyframe));
            }
        }
        for (SourceSubscription s : p.sourceSubscriptions.values()) {
            Subscription leg = s.leg;
            out.add(new RoomInfo.SubscriptionInfo(s.source.owner.id, s.source.sourceId(), true, s.preference,
                    s.layer(), leg == null ? -1 : leg.stream.streamId, s.pending == null ? -1 : s.pending.layer,
                    leg == null || leg.awaitingKeyframe));
        }
        out.sort(Comparator.comparingLong(RoomInfo.SubscriptionInfo::publisherId)
                .thenComparingInt(RoomInfo.SubscriptionInfo::streamId));
        return List.copyOf(out);
    }

    private static RoomInfo.StreamInfo stream(PublishedStream s, long now) {
        StreamCache c = s.cache;
        if (c == null) {
            return new RoomInfo.StreamInfo(s.streamId, s.kind, s.subscribers.size(), 0, 0, 0, false, false, null, -1, null);
        }
        RoomInfo.CacheMissInfo miss = c.lastMiss() == null ? null
                : new RoomInfo.CacheMissInfo(c.lastMiss(), c.lastMissBytes(), c.lastMissLimit());
        return new RoomInfo.StreamInfo(s.streamId, s.kind, s.subscribers.size(), c.bytes(), c.capacity(),
                c.cachedPacketCount(), c.hasKeyframe(), c.isAssembling(), c.mode(),
                c.hasKeyframe() ? Math.max(0, now - c.promotedAtNanos()) : -1, miss);
    }

    /** JOINED needs the room as it is now: built here, encoded by the one codec. */
    static List<ControlMessage.Peer> peers(Room room) {
        List<ControlMessage.Peer> peers = new ArrayList<>(room.members.size());
        for (Participant p : room.members) {
            List<ControlMessage.StreamInfo> streams = new ArrayList<>();
            for (PublishedStream s : p.streams.values()) {
                streams.add(new ControlMessage.StreamInfo(s.streamId, s.kind));
            }
            peers.add(new ControlMessage.Peer(p.id, p.identity, streams));
        }
        return peers;
    }
}
