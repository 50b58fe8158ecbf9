package io.kfrelay.room;

import io.kfrelay.cache.ShardCaches;
import io.kfrelay.cache.StreamCache;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.jfr.JfrEvents;
import io.kfrelay.log.LifecycleLog;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who is in which room and who receives which stream, for one shard: JOIN (limits, JOINED, subscriptions, the
 * replay's slices), LEAVE and eviction, streams starting and ending. Each operation costs O(1) per subscription
 * it touches (plus one notification per member), never a search through the room.
 */
final class Membership {
    private static final LifecycleLog LOG = LifecycleLog.named("io.kfrelay.room");

    private final RelayConfig config;
    private final int shard;
    private final RoomQuota roomQuota;
    private final RoomSizes roomSizes;
    private final ShardCaches caches;
    private final ControlOut control;
    private final Egress egress;
    private final KeyframeRequests keyframes;
    private final ReplayHandover handover;
    private final Subscriptions subscriptions;
    private final LayerSwitches layers;
    private final EnumCounters<Stat> stats;
    private final EnumCounters<DropReason> drops;
    final Map<String, Room> rooms = new HashMap<>();
    final Int2ObjectHashMap<Participant> participants = new Int2ObjectHashMap<>();
    /** Set while the shard evicts everyone at shutdown: one summary line instead of one per participant. */
    private boolean quiet;

    Membership(RelayConfig config, int shard, RoomQuota roomQuota, RoomSizes roomSizes, ShardCaches caches,
               ControlOut control, Egress egress, KeyframeRequests keyframes, ReplayHandover handover,
               Subscriptions subscriptions, LayerSwitches layers, EnumCounters<Stat> stats,
               EnumCounters<DropReason> drops) {
        this.config = config;
        this.shard = shard;
        this.roomQuota = roomQuota;
        this.roomSizes = roomSizes;
        this.caches = caches;
        this.control = control;
        this.egress = egress;
        this.keyframes = keyframes;
        this.handover = handover;
        this.subscriptions = subscriptions;
        this.layers = layers;
        this.stats = stats;
        this.drops = drops;
    }

    Participant participant(int id) {
        return participants.get(id);
    }

    // ---------------------------------------------------------------- join

    /**
     * A JOIN with the joiner's grants, in ring order: the joiner sees the caches exactly as every earlier packet left
     * them. One without canSubscribe, or with {@code manualSubscribe}, is subscribed to nothing: it gets the control
     * messages (who is there, which streams and sources exist) but no media and no replay, and it triggers no
     * keyframe request, until (with canSubscribe) it subscribes.
     */
    void join(int id, String roomName, String identity, Grants grants, boolean manualSubscribe, ParticipantSink sink,
              long now) {
        if (!ControlMessage.Join.isValidName(roomName) || !ControlMessage.Join.isValidName(identity)) {
            refuse(sink, ErrorCodes.ROOM_INVALID, "room and identity must be 1.."
                    + ControlMessage.Join.MAX_NAME_BYTES + " UTF-8 bytes without control characters");
            return;
        }
        if (participants.containsKey(id)) {
            refuse(sink, ErrorCodes.ALREADY_JOINED, "participant " + id + " has already joined");
            return;
        }
        Room existing = rooms.get(roomName);
        if (existing != null && existing.members.size() >= config.maxParticipantsPerRoom()) {
            refuse(sink, ErrorCodes.ROOM_FULL, "room '" + roomName + "' already has its maximum of "
                    + config.maxParticipantsPerRoom() + " participants");
            return;
        }
        // Everything that can fail is built before any state changes, so a failure leaves no ghost.
        ByteBuf joined = control.joined(id, roomName, existing);
        if (existing == null && !roomQuota.tryOpen()) {
            joined.release();
            refuse(sink, ErrorCodes.TOO_MANY_ROOMS, "the relay already holds its maximum of " + roomQuota.max() + " rooms");
            return;
        }
        Room room = existing;
        if (room == null) {
            room = new Room(roomName);
            rooms.put(roomName, room);
            stats.increment(Stat.ROOMS);
        }
        Participant joiner = new Participant(id, identity, sink, room, grants.canSubscribe(), !manualSubscribe,
                grants.relay());
        participants.put(id, joiner);
        stats.increment(Stat.PARTICIPANTS);
        stats.increment(Stat.JOINS);

        egress.send(joiner, joined);
        for (Participant other : room.members) {
            egress.send(other, control.participantJoined(id, identity));
        }
        room.members.add(joiner);
        roomSizes.changed(roomName, room.members.size());
        LOG.info("event=joined room={} participant={} identity={} shard={}", roomName, id, identity, shard);
        JfrEvents.participantJoined(roomName, id, identity, shard);
        layers.announceTo(joiner, room);
        if (joiner.autoSubscribe) {
            // Every stream and source of the room, from one replay of what is cached (slices of the caches, no copy).
            List<Subscription> legs = subscriptions.addAll(joiner, room);
            legs.addAll(layers.addAll(joiner, room, now));
            for (Subscription leg : legs) {
                if (leg.stream.isVideo()) {
                    joiner.lateJoinSince = now == 0 ? 1 : now; // a late joiner: timed until it is live
                    break;
                }
            }
            subscriptions.start(joiner, legs, now);
        }
    }

    /** Answers a JOIN with an ERROR and closes the sink; nothing about the joiner is kept. */
    void refuse(ParticipantSink sink, int code, String reason) {
        refuse(sink, new ControlMessage.Error(code, reason));
    }

    /** Answers a JOIN with {@code last} (an ERROR or a REDIRECT) and closes the sink; nothing is kept. */
    void refuse(ParticipantSink sink, ControlMessage last) {
        stats.increment(Stat.JOINS_REJECTED);
        LOG.info("event=join_refused shard={} {}", shard, describe(last));
        egress.sendNow(sink, control.last(last));
        egress.close(sink);
    }

    /** How a log line names a session's last message: {@code code=N reason=...} or {@code redirect=NODE ...}. */
    static String describe(ControlMessage last) {
        return switch (last) {
            case ControlMessage.Error e -> "code=" + e.code() + " reason=" + e.reason();
            case ControlMessage.Redirect r -> "redirect=" + r.node() + " reason="
                    + ControlMessage.Redirect.reasonName(r.reason()) + " epoch=" + r.epoch();
            default -> last.type().toString();
        };
    }

    // ---------------------------------------------------------------- leave

    /** A LEAVE or a disconnect: the same cleanup either way. Unknown ids are ignored (leave is idempotent). */
    void leave(int id) {
        Participant p = participants.remove(id);
        if (p == null) {
            return;
        }
        Room room = p.room;
        room.members.remove(p);
        roomSizes.changed(room.name, room.members.size());
        stats.add(Stat.PARTICIPANTS, -1);
        stats.increment(Stat.LEAVES);
        handover.cancel(p);
        layers.removePublisher(p);
        for (PublishedStream s : new ArrayList<>(p.streams.values())) {
            endStream(s, 0); // its sources are gone already: no subscriber is moved to another layer, no time needed
        }
        layers.removeReceiver(p);
        subscriptions.removeAll(p);
        for (Participant other : room.members) {
            egress.send(other, control.participantLeft(id));
        }
        if (!quiet) {
            LOG.info("event=left room={} participant={} identity={}", room.name, id, p.identity);
        }
        JfrEvents.participantLeft(room.name, id, p.identity);
        if (room.members.isEmpty()) {
            rooms.remove(room.name);
            roomQuota.closed();
            stats.add(Stat.ROOMS, -1);
        }
    }

    /** The relay ends a participant's session (kick, shutdown): tell it why, then the same cleanup as a leave. */
    void evict(int id, int code, String reason) {
        evict(id, new ControlMessage.Error(code, reason));
    }

    /** The relay ends a participant's session with {@code last} (an ERROR, or a REDIRECT: the room moved). */
    void evict(int id, ControlMessage last) {
        Participant p = participants.get(id);
        if (p == null) {
            return;
        }
        if (!quiet) {
            LOG.info("event=evicted room={} participant={} identity={} {}", p.room.name, id, p.identity,
                    describe(last));
        }
        var replay = p.replay;
        handover.cancel(p);
        egress.send(p, control.last(last));
        egress.flushNow(p);
        if (replay != null) {
            // The replay thread may be inside the sink: it closes it after its last call.
            replay.closeSinkWhenDone();
        } else {
            egress.close(p.sink);
        }
        leave(id);
    }

    /** Evicts everyone (relay shutdown); afterwards every gauge is back to zero. */
    void evictAll(int code, String reason) {
        int[] ids = participants.keySet().stream().mapToInt(Integer::intValue).toArray();
        if (ids.length > 0) {
            LOG.info("event=evicted_all shard={} participants={} code={} reason={}", shard, ids.length, code, reason);
        }
        quiet = true;
        try {
            for (int id : ids) {
                evict(id, code, reason);
            }
        } finally {
            quiet = false;
        }
    }

    // ---------------------------------------------------------------- streams

    /**
     * A stream's first packet: it starts, the others are told, and every member that did not choose gets it (a
     * plain stream; a simulcast layer goes to its source's subscribers once its first packet is in, see
     * {@link LayerSwitches#layerStarted}). A declared layer must be video.
     */
    PublishedStream startStream(Participant sender, int streamId, int kind) {
        if (sender.streams.size() >= config.maxStreamsPerParticipant()) {
            drops.incrementShared(DropReason.TOO_MANY_STREAMS);
            return null;
        }
        SimulcastSource source = sender.sourcesByStream.get(streamId);
        if (source != null && kind != Protocol.KIND_VIDEO) {
            drops.incrementShared(DropReason.KIND_MISMATCH);
            return null;
        }
        StreamCache cache = kind == Protocol.KIND_VIDEO
                ? caches.newCache(new StreamKeyframeEvents(sender.room.name, sender.id, streamId))
                : null;
        PublishedStream s = new PublishedStream(sender, streamId, kind, cache, source,
                source == null ? -1 : source.layerOf(streamId));
        sender.streams.put(streamId, s);
        Room room = sender.room;
        room.streams.add(s);
        stats.increment(Stat.STREAMS);
        for (Participant other : room.members) {
            if (other != sender) {
                egress.send(other, control.streamStarted(sender.id, streamId, kind));
            }
        }
        if (source == null) {
            subscriptions.streamStarted(s);
        }
        return s;
    }

    /**
     * An edge's stand-in for a publisher at the origin ({@link Grants#relay}) announces a stream before its first
     * packet: the edge's receivers must be able to subscribe to it before the edge asks the origin for it. Ignored
     * for anyone else, and for a stream that has started.
     */
    void announceStream(int id, int streamId, int kind) {
        Participant p = participants.get(id);
        if (p != null && p.relay && !p.streams.containsKey(streamId)
                && (kind == Protocol.KIND_AUDIO || kind == Protocol.KIND_VIDEO)) {
            startStream(p, streamId, kind);
        }
    }

    /** A publisher ends one of its streams (unknown ones are ignored). */
    void endStream(int id, int streamId, long now) {
        Participant p = participants.get(id);
        if (p != null) {
            PublishedStream s = p.streams.get(streamId);
            if (s != null) {
                endStream(s, now);
            }
        }
    }

    private void endStream(PublishedStream s, long now) {
        Participant owner = s.owner;
        owner.streams.remove(s.streamId);
        owner.room.streams.remove(s);
        stats.add(Stat.STREAMS, -1);
        if (s.cache != null) {
            s.cache.close();
        }
        subscriptions.streamEnded(s);
        if (s.source != null) {
            layers.layerEnded(s, now);
        }
        for (Participant other : owner.room.members) {
            if (other != owner) {
                egress.send(other, control.streamEnded(owner.id, s.streamId));
            }
        }
    }

    // ---------------------------------------------------------------- choices

    /**
     * SUBSCRIBE: a plain stream, or (naming any of its streams) a simulcast source. Refused, with the connection
     * kept, when the stream is not in the receiver's room now, is its own, or the receiver may not receive media.
     */
    void subscribe(int receiverId, long publisherId, int streamId, int layer, long now) {
        Participant r = participants.get(receiverId);
        if (r == null) {
            return;
        }
        if (!r.subscribes) {
            subscriptions.refuse(r, publisherId, streamId, ErrorCodes.SUBSCRIBE_NOT_ALLOWED,
                    "this participant may not receive media: its token does not grant canSubscribe");
            return;
        }
        Participant owner = publisherId >= 0 && publisherId <= Integer.MAX_VALUE ? participants.get((int) publisherId) : null;
        if (owner == r) {
            subscriptions.refuse(r, publisherId, streamId, ErrorCodes.OWN_STREAM, "a participant does not receive its own streams");
            return;
        }
        if (owner != null && owner.relay && r.relay) {
            subscriptions.refuse(r, publisherId, streamId, ErrorCodes.NO_SUCH_STREAM,
                    "a relayed stream is not relayed again (cascades do not loop)");
            return;
        }
        SimulcastSource source = owner == null || owner.room != r.room ? null : owner.sourcesByStream.get(streamId);
        if (source != null && !r.relay) {
            layers.subscribe(r, source, layer, now);
            return;
        }
        // An edge relay takes each layer it needs as a plain stream: its receivers may be on different layers.
        PublishedStream s = owner == null || owner.room != r.room ? null : owner.streams.get(streamId);
        if (s == null) {
            subscriptions.refuse(r, publisherId, streamId, ErrorCodes.NO_SUCH_STREAM,
                    "no stream " + streamId + " of participant " + publisherId + " in this room (it may have ended)");
            return;
        }
        subscriptions.subscribe(r, s, layer, now);
    }

    /** UNSUBSCRIBE: idempotent, and silent about streams that are gone. */
    void unsubscribe(int receiverId, long publisherId, int streamId) {
        Participant r = participants.get(receiverId);
        if (r == null) {
            return;
        }
        Participant owner = publisherId >= 0 && publisherId <= Integer.MAX_VALUE ? participants.get((int) publisherId) : null;
        SimulcastSource source = owner == null ? null : owner.sourcesByStream.get(streamId);
        if (source != null && !r.relay) {
            layers.unsubscribe(r, source);
        } else {
            subscriptions.unsubscribe(r, publisherId, streamId);
        }
    }

    /** A publisher's SIMULCAST declaration; one the relay cannot take ends its session (SIMULCAST_INVALID). */
    void declareSimulcast(int publisherId, int[] streamIds) {
        Participant p = participants.get(publisherId);
        if (p == null) {
            return;
        }
        String refusal = layers.declare(p, streamIds);
        if (refusal != null) {
            evict(publisherId, ErrorCodes.SIMULCAST_INVALID, refusal);
        }
    }

    /** Whether {@code r} has a leg on {@code s}: only a receiver of a stream may ask its publisher for a keyframe. */
    private static boolean receives(Participant r, PublishedStream s) {
        if (s.source == null || r.relay) {
            return r.streamSubscriptions.containsKey(Subscription.key(s.owner.id, s.streamId));
        }
        SourceSubscription sub = r.sourceSubscriptions.get(Subscription.key(s.owner.id, s.source.sourceId()));
        return sub != null && sub.leg != null && sub.leg.stream == s;
    }

    /** A receiver asks for a keyframe of {@code senderId}'s stream (e.g. after loss). */
    void keyframeRequest(int requesterId, long senderId, int streamId, long now) {
        Participant requester = participants.get(requesterId);
        if (requester == null || !requester.subscribes || senderId < 0 || senderId > Integer.MAX_VALUE) {
            return;
        }
        Participant owner = participants.get((int) senderId);
        if (owner == null || owner.room != requester.room) {
            return;
        }
        PublishedStream s = owner.streams.get(streamId);
        if (s != null && s.isVideo() && receives(requester, s)) {
            keyframes.request(s, now);
        }
    }
}
