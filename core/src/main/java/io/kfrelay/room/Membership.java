package io.kfrelay.room;

import io.kfrelay.cache.RunSlice;
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
    private final EnumCounters<Stat> stats;
    private final EnumCounters<DropReason> drops;
    final Map<String, Room> rooms = new HashMap<>();
    final Int2ObjectHashMap<Participant> participants = new Int2ObjectHashMap<>();
    /** Set while the shard evicts everyone at shutdown: one summary line instead of one per participant. */
    private boolean quiet;

    Membership(RelayConfig config, int shard, RoomQuota roomQuota, RoomSizes roomSizes, ShardCaches caches,
               ControlOut control, Egress egress, KeyframeRequests keyframes, ReplayHandover handover,
               EnumCounters<Stat> stats, EnumCounters<DropReason> drops) {
        this.config = config;
        this.shard = shard;
        this.roomQuota = roomQuota;
        this.roomSizes = roomSizes;
        this.caches = caches;
        this.control = control;
        this.egress = egress;
        this.keyframes = keyframes;
        this.handover = handover;
        this.stats = stats;
        this.drops = drops;
    }

    Participant participant(int id) {
        return participants.get(id);
    }

    // ---------------------------------------------------------------- join

    /**
     * A JOIN with the joiner's grants, in ring order: the joiner sees the caches exactly as every earlier packet left
     * them. One without canSubscribe is subscribed to nothing: it gets the control messages (who is there, which
     * streams exist) but no media, no replay, and it triggers no keyframe request.
     */
    void join(int id, String roomName, String identity, Grants grants, ParticipantSink sink, long now) {
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
        Participant joiner = new Participant(id, identity, sink, room, grants.canSubscribe());
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
        if (joiner.subscribes) {
            subscribeJoiner(joiner, room, now);
        }
    }

    /**
     * Subscribes a joiner to every stream of its room. A video stream with something cached starts from a replay of
     * it (slices of the cache, no copy); the others wait for their next keyframe.
     */
    private void subscribeJoiner(Participant joiner, Room room, long now) {
        List<RunSlice> slices = null;
        for (PublishedStream s : room.streams) {
            boolean replayed = false;
            if (s.isVideo() && s.cache.replayPacketCount() > 0) {
                if (slices == null) {
                    slices = new ArrayList<>(room.streams.size());
                }
                s.cache.replaySlices(slices);
                replayed = true;
            }
            subscribe(joiner, s, s.isVideo() && !replayed);
            // Without a GOP that is still growing (keyframe mode, or a GOP closed by a cap or a gap), what follows the
            // replayed keyframe has a gap for this joiner: a fresh keyframe ends it.
            if (s.isVideo() && !s.cache.isGopOpen()) {
                if (replayed) {
                    // Asked for once the replay is out: a live keyframe to the whole room, requested now, would
                    // be written out at the same time as the joiner's replay and delay it.
                    joiner.keyframesAfterReplay.add(s);
                } else {
                    keyframes.request(s, now);
                }
            }
        }
        if (slices != null) {
            handover.start(joiner, slices);
        }
    }

    private static void subscribe(Participant receiver, PublishedStream s, boolean awaitingKeyframe) {
        Subscription sub = new Subscription(s, receiver, awaitingKeyframe);
        s.subscribers.add(sub);
        receiver.subscriptions.add(sub);
    }

    /** Answers a JOIN with an ERROR and closes the sink; nothing about the joiner is kept. */
    void refuse(ParticipantSink sink, int code, String reason) {
        stats.increment(Stat.JOINS_REJECTED);
        LOG.info("event=join_refused shard={} code={} reason={}", shard, code, reason);
        egress.sendNow(sink, control.error(code, reason));
        egress.close(sink);
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
        for (PublishedStream s : new ArrayList<>(p.streams.values())) {
            endStream(s);
        }
        for (int i = p.subscriptions.size() - 1; i >= 0; i--) {
            Subscription sub = p.subscriptions.get(i);
            sub.stream.subscribers.remove(sub);
        }
        p.subscriptions.clear();
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
        Participant p = participants.get(id);
        if (p == null) {
            return;
        }
        if (!quiet) {
            LOG.info("event=evicted room={} participant={} identity={} code={} reason={}",
                    p.room.name, id, p.identity, code, reason);
        }
        var replay = p.replay;
        handover.cancel(p);
        egress.send(p, control.error(code, reason));
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

    /** A stream's first packet: it starts, every member that receives media subscribes, the others are told. */
    PublishedStream startStream(Participant sender, int streamId, int kind) {
        if (sender.streams.size() >= config.maxStreamsPerParticipant()) {
            drops.incrementShared(DropReason.TOO_MANY_STREAMS);
            return null;
        }
        StreamCache cache = kind == Protocol.KIND_VIDEO
                ? caches.newCache(new StreamKeyframeEvents(sender.room.name, sender.id, streamId))
                : null;
        PublishedStream s = new PublishedStream(sender, streamId, kind, cache);
        sender.streams.put(streamId, s);
        Room room = sender.room;
        room.streams.add(s);
        stats.increment(Stat.STREAMS);
        for (Participant other : room.members) {
            if (other != sender) {
                // Video receivers start at a keyframe: deltas before it would not decode.
                if (other.subscribes) {
                    subscribe(other, s, s.isVideo());
                }
                egress.send(other, control.streamStarted(sender.id, streamId, kind));
            }
        }
        return s;
    }

    /** A publisher ends one of its streams (unknown ones are ignored). */
    void endStream(int id, int streamId) {
        Participant p = participants.get(id);
        if (p != null) {
            PublishedStream s = p.streams.get(streamId);
            if (s != null) {
                endStream(s);
            }
        }
    }

    private void endStream(PublishedStream s) {
        Participant owner = s.owner;
        owner.streams.remove(s.streamId);
        owner.room.streams.remove(s);
        stats.add(Stat.STREAMS, -1);
        if (s.cache != null) {
            s.cache.close();
        }
        for (int i = s.subscribers.size() - 1; i >= 0; i--) {
            Subscription sub = s.subscribers.get(i);
            sub.receiver.subscriptions.remove(sub);
            s.subscribers.remove(sub);
        }
        for (Participant other : owner.room.members) {
            if (other != owner) {
                egress.send(other, control.streamEnded(owner.id, s.streamId));
            }
        }
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
        if (s != null && s.isVideo()) {
            keyframes.request(s, now);
        }
    }
}
