package io.kfrelay.room;

import io.kfrelay.cache.PacketStoreFactory;
import io.kfrelay.cache.ReplaySnapshot;
import io.kfrelay.cache.StreamCache;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.jfr.JfrEvents;
import io.kfrelay.log.LifecycleLog;
import io.kfrelay.metrics.Histogram;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.KeyframeReject;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.replay.ReplayJob;
import io.kfrelay.replay.ReplayLauncher;
import io.kfrelay.time.NanoClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * All room state of one shard: rooms, participants, streams and their keyframe caches. Only the shard's
 * consumer thread calls it, in ring order, so nothing here is locked or concurrent: this is the single
 * writer, and the one source of room truth.
 */
public final class RoomState {
    /** Lifecycle lines, written by another thread: logging never makes this consumer wait. */
    private static final LifecycleLog LOG = LifecycleLog.named("io.kfrelay.room");
    private final RelayConfig config;
    private final NanoClock clock;
    private final ByteBufAllocator alloc;
    private final PacketStoreFactory stores;
    private final ReplayLauncher replays;
    private final EnumCounters<Stat> stats;
    private final EnumCounters<KeyframeReject> keyframeRejects;
    private final EnumCounters<DropReason> drops;
    private final Histogram replayDurations;
    private final int shard;
    /** Set while the shard evicts everyone at shutdown: one summary line instead of one per participant. */
    private boolean quiet;
    private final RoomQuota roomQuota;
    private final long keyframeRequestIntervalNanos;
    private final long gopMaxAgeNanos;
    /** A joiner's replay copy never exceeds this; streams beyond it wait for their next keyframe instead. */
    static final long MAX_SNAPSHOT_BYTES = 256L * 1024 * 1024;

    private final Map<String, Room> rooms = new HashMap<>();
    private final Int2ObjectHashMap<Participant> participants = new Int2ObjectHashMap<>();
    private final MediaHeader header = new MediaHeader();
    private final ControlOut control;
    private Participant[] dirty = new Participant[64];
    private int dirtyCount;

    public RoomState(RelayConfig config, int shard, RelayMetrics metrics, NanoClock clock, ByteBufAllocator alloc,
                     PacketStoreFactory stores, ReplayLauncher replays) {
        this(config, shard, metrics, clock, alloc, stores, replays, new RoomQuota(config.maxRooms()));
    }

    /** {@code roomQuota} is shared by every shard of one relay: the room limit is relay-wide. */
    public RoomState(RelayConfig config, int shard, RelayMetrics metrics, NanoClock clock, ByteBufAllocator alloc,
                     PacketStoreFactory stores, ReplayLauncher replays, RoomQuota roomQuota) {
        this.roomQuota = roomQuota;
        this.config = config;
        this.clock = clock;
        this.alloc = alloc;
        this.stores = stores;
        this.replays = replays;
        this.stats = metrics.shardStats(shard);
        this.keyframeRejects = metrics.shardKeyframeRejects(shard);
        this.drops = metrics.drops();
        this.replayDurations = metrics.replayDurations();
        this.shard = shard;
        this.keyframeRequestIntervalNanos = config.keyframeRequestInterval().toNanos();
        this.gopMaxAgeNanos = config.gopMaxAge().toNanos();
        this.control = new ControlOut(alloc);
    }

    // ---------------------------------------------------------------- membership

    /** A JOIN, processed in ring order: the joiner sees the caches exactly as every earlier packet left them. */
    public void join(int id, String roomName, String identity, ParticipantSink sink) {
        join(id, roomName, identity, Grants.ALL, sink);
    }

    /**
     * A JOIN with the joiner's grants. One without canSubscribe is subscribed to nothing: it gets the control
     * messages (who is there, which streams exist) but no media, no replay, and it triggers no keyframe request.
     */
    public void join(int id, String roomName, String identity, Grants grants, ParticipantSink sink) {
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

        send(joiner, joined);
        for (Participant other : room.members) {
            send(other, control.participantJoined(id, identity));
        }
        room.members.add(joiner);
        LOG.info("event=joined room={} participant={} identity={} shard={}", roomName, id, identity, shard);
        JfrEvents.participantJoined(roomName, id, identity, shard);
        if (!joiner.subscribes) {
            return;
        }

        // Subscribe to every existing stream; video streams with something to replay start from the replay,
        // the others wait for their next keyframe.
        long now = clock.nanoTime();
        List<PublishedStream> replayed = new ArrayList<>();
        long replayBytes = 0;
        for (PublishedStream s : room.streams) {
            if (s.isVideo() && s.cache.replayPacketCount() > 0 && replayBytes + s.cache.replayBytes() <= MAX_SNAPSHOT_BYTES) {
                replayBytes += s.cache.replayBytes();
                replayed.add(s);
            }
        }
        ReplaySnapshot snapshot = replayed.isEmpty() ? null : snapshot(replayed);
        for (PublishedStream s : room.streams) {
            boolean covered = snapshot != null && replayed.contains(s);
            s.subscribers.add(joiner, s.isVideo() && !covered);
            if (s.isVideo() && (!s.cache.hasKeyframe() || config.cacheMode() == CacheMode.KEYFRAME)) {
                if (covered) {
                    // Asked for once the replay is out: a live keyframe to the whole room, requested now, would
                    // be written out at the same time as the joiner's replay and delay it.
                    joiner.keyframesAfterReplay.add(s);
                } else {
                    requestKeyframe(s, now);
                }
            }
        }
        if (snapshot != null) {
            startReplay(joiner, snapshot);
        }
    }

    /** The replay copy, or null if memory for it could not be had (the joiner then waits for keyframes). */
    private ReplaySnapshot snapshot(List<PublishedStream> streams) {
        List<StreamCache> caches = new ArrayList<>(streams.size());
        for (PublishedStream s : streams) {
            caches.add(s.cache);
        }
        try {
            return ReplaySnapshot.of(caches, alloc, header);
        } catch (OutOfMemoryError e) {
            // Direct memory exhausted: degrade to no replay rather than lose the consumer.
            stats.increment(Stat.REPLAYS_FAILED);
            return null;
        }
    }

    private void startReplay(Participant joiner, ReplaySnapshot snapshot) {
        stats.increment(Stat.REPLAYS);
        stats.increment(Stat.REPLAYS_ACTIVE);
        stats.add(Stat.REPLAY_PACKETS, snapshot.packetCount());
        stats.add(Stat.REPLAY_BYTES, snapshot.bytes());
        joiner.pending = new ArrayDeque<>(Math.min(config.replayQueuePackets(), 256));
        // Flush the JOINED first so the replay is not ahead of it in any transport queue.
        flushNow(joiner);
        joiner.replay = replays.launch(joiner.id, joiner.sink, snapshot);
    }

    /** The replay thread finished (or was cancelled): hand its queued live packets over, in order. */
    public void replayDone(int id, ReplayJob job) {
        Participant p = participants.get(id);
        if (p == null || p.replay != job) {
            return;
        }
        p.replay = null;
        stats.add(Stat.REPLAYS_ACTIVE, -1);
        stats.add(Stat.EGRESS_PACKETS, job.sentPackets());
        stats.add(Stat.EGRESS_BYTES, job.sentBytes());
        replayDurations.record(job.durationNanos());
        JfrEvents.replay(p.room.name, id, job.sentPackets(), job.sentBytes(), job.durationNanos(), p.pending.size());
        ArrayDeque<Object> queue = p.pending;
        p.pending = null;
        Object queued;
        while ((queued = queue.poll()) != null) {
            if (queued instanceof QueuedControl(ByteBuf message)) {
                send(p, message);
            } else {
                ByteBuf packet = (ByteBuf) queued;
                sendMedia(p, packet);
                stats.increment(Stat.EGRESS_PACKETS);
                stats.add(Stat.EGRESS_BYTES, packet.readableBytes());
                packet.release();
            }
        }
        markDirty(p);
        long now = clock.nanoTime();
        for (PublishedStream s : p.keyframesAfterReplay) {
            if (p.room.streams.contains(s)) { // not ended meanwhile
                requestKeyframe(s, now);
            }
        }
        p.keyframesAfterReplay.clear();
    }

    /** A LEAVE or a disconnect: the same cleanup either way. Unknown ids are ignored (leave is idempotent). */
    public void leave(int id) {
        Participant p = participants.remove(id);
        if (p == null) {
            return;
        }
        Room room = p.room;
        room.members.remove(p);
        stats.add(Stat.PARTICIPANTS, -1);
        stats.increment(Stat.LEAVES);
        cancelReplay(p);
        for (PublishedStream s : new ArrayList<>(p.streams.values())) {
            endStream(s);
        }
        for (PublishedStream s : room.streams) {
            s.subscribers.remove(p);
        }
        for (Participant other : room.members) {
            send(other, control.participantLeft(id));
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
    public void evict(int id, int code, String reason) {
        Participant p = participants.get(id);
        if (p == null) {
            return;
        }
        ReplayJob replay = p.replay;
        if (!quiet) {
            LOG.info("event=evicted room={} participant={} identity={} code={} reason={}",
                    p.room.name, id, p.identity, code, reason);
        }
        cancelReplay(p);
        send(p, control.error(code, reason));
        flushNow(p);
        if (replay != null) {
            // The replay thread may be inside the sink: it closes it after its last call.
            replay.closeSinkWhenDone();
        } else {
            closeSink(p.sink);
        }
        leave(id);
    }

    /** Evicts everyone (relay shutdown); afterwards every gauge is back to zero. */
    public void evictAll(int code, String reason) {
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

    /** A publisher ends one of its streams. */
    public void endStream(int id, int streamId) {
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
        for (Participant other : owner.room.members) {
            if (other != owner) {
                send(other, control.streamEnded(owner.id, s.streamId));
            }
        }
    }

    private void cancelReplay(Participant p) {
        if (p.replay != null) {
            p.replay.cancel();
            p.replay = null;
            stats.add(Stat.REPLAYS_ACTIVE, -1);
        }
        if (p.pending != null) {
            Object queued;
            while ((queued = p.pending.poll()) != null) {
                ReferenceCountUtil.release(queued instanceof QueuedControl(ByteBuf message) ? message : queued);
            }
            p.pending = null;
        }
    }

    // ---------------------------------------------------------------- media (hot path: no allocation)

    /**
     * One media packet from participant {@code id}, already validated by the I/O thread. Ownership of
     * {@code packet} passes here: it is stamped in place, cached, handed to every receiver and released.
     */
    public void media(int id, ByteBuf packet) {
        try {
            Participant sender = participants.get(id);
            if (sender == null) {
                drops.incrementShared(DropReason.UNKNOWN_SENDER);
                return;
            }
            if (header.wrap(packet) != io.kfrelay.protocol.DecodeStatus.OK) {
                drops.incrementShared(DropReason.MALFORMED);
                return;
            }
            header.stampIngress(id);
            int length = header.frameLength();
            stats.increment(Stat.INGRESS_PACKETS);
            stats.add(Stat.INGRESS_BYTES, length);

            PublishedStream stream = sender.streams.get(header.streamId());
            if (stream == null) {
                stream = startStream(sender, header.streamId(), header.kind());
                if (stream == null) {
                    return;
                }
            } else if (stream.kind != header.kind()) {
                drops.incrementShared(DropReason.KIND_MISMATCH);
                return;
            }
            long now = clock.nanoTime();
            if (stream.cache != null) {
                stream.cache.onPacket(header, now);
            }
            fanOut(stream, packet, length, header.isKeyframe() && header.isFrameStart(), now);
        } finally {
            packet.release();
        }
    }

    private void fanOut(PublishedStream stream, ByteBuf packet, int length, boolean keyframeStart, long now) {
        SubscriberList subs = stream.subscribers;
        int delivered = 0;
        int skipped = 0;
        for (int i = 0, n = subs.size(); i < n; i++) {
            Participant r = subs.receiver(i);
            if (subs.awaitingKeyframe(i)) {
                if (!keyframeStart) {
                    skipped++;
                    continue;
                }
                subs.awaitingKeyframe(i, false);
            }
            if (r.replay != null) {
                if (r.pending.size() >= config.replayQueuePackets()) {
                    drops.incrementShared(DropReason.REPLAY_QUEUE_FULL);
                    if (stream.isVideo()) {
                        // Too far behind its replay: this stream skips to its next keyframe for this receiver.
                        subs.awaitingKeyframe(i, true);
                        requestKeyframe(stream, now);
                    }
                    continue;
                }
                r.pending.add(packet.retain());
            } else {
                sendMedia(r, packet);
                delivered++;
            }
        }
        if (skipped > 0) {
            drops.addShared(DropReason.AWAITING_KEYFRAME, skipped);
        }
        stats.add(Stat.EGRESS_PACKETS, delivered);
        stats.add(Stat.EGRESS_BYTES, (long) delivered * length);
    }

    private void sendMedia(Participant r, ByteBuf packet) {
        try {
            r.sink.sendMedia(packet);
        } catch (RuntimeException e) {
            // A broken sink must not cost the other receivers their packet.
            stats.increment(Stat.SINK_ERRORS);
        }
        markDirty(r);
    }

    private PublishedStream startStream(Participant sender, int streamId, int kind) {
        if (sender.streams.size() >= config.maxStreamsPerParticipant()) {
            drops.incrementShared(DropReason.TOO_MANY_STREAMS);
            return null;
        }
        StreamCache cache = kind == io.kfrelay.protocol.Protocol.KIND_VIDEO
                ? new StreamCache(config.cacheMode(), config.keyframeCapBytes(), config.gopCapBytes(), gopMaxAgeNanos,
                stores, stats, keyframeRejects, new StreamKeyframeEvents(sender.room.name, sender.id, streamId))
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
                    s.subscribers.add(other, s.isVideo());
                }
                send(other, control.streamStarted(sender.id, streamId, kind));
            }
        }
        return s;
    }

    // ---------------------------------------------------------------- keyframe requests

    /** A receiver asks for a keyframe of {@code senderId}'s stream (e.g. after loss). */
    public void keyframeRequest(int requesterId, long senderId, int streamId) {
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
            requestKeyframe(s, clock.nanoTime());
        }
    }

    private void requestKeyframe(PublishedStream s, long now) {
        if (!s.isVideo()) {
            return;
        }
        if (s.keyframeRequested && now - s.lastKeyframeRequestNanos < keyframeRequestIntervalNanos) {
            stats.increment(Stat.KEYFRAME_REQUESTS_THROTTLED);
            return;
        }
        s.keyframeRequested = true;
        s.lastKeyframeRequestNanos = now;
        stats.increment(Stat.KEYFRAME_REQUESTS_SENT);
        send(s.owner, control.keyframeRequest(s.owner.id, s.streamId));
    }

    // ---------------------------------------------------------------- egress bookkeeping

    /** A control message waiting behind a replay, in order with the media queued there. */
    private record QueuedControl(ByteBuf message) {
    }

    private void send(Participant p, ByteBuf message) {
        if (p.replay != null) {
            // Sent now it would overtake replayed and queued media (e.g. STREAM_ENDED before the stream's packets).
            p.pending.add(new QueuedControl(message));
            return;
        }
        try {
            p.sink.sendControl(message);
        } catch (RuntimeException e) {
            stats.increment(Stat.SINK_ERRORS);
        }
        markDirty(p);
    }

    /** Answers a JOIN with an ERROR and closes the sink; nothing about the joiner is kept. */
    public void refuse(ParticipantSink sink, int code, String reason) {
        stats.increment(Stat.JOINS_REJECTED);
        LOG.info("event=join_refused shard={} code={} reason={}", shard, code, reason);
        try {
            sink.sendControl(control.error(code, reason));
            sink.flush();
        } catch (RuntimeException e) {
            stats.increment(Stat.SINK_ERRORS);
        }
        closeSink(sink);
    }

    private void closeSink(ParticipantSink sink) {
        try {
            sink.close();
        } catch (RuntimeException e) {
            stats.increment(Stat.SINK_ERRORS);
        }
    }

    private void markDirty(Participant p) {
        if (!p.dirty) {
            p.dirty = true;
            if (dirtyCount == dirty.length) {
                dirty = Arrays.copyOf(dirty, dirtyCount * 2);
            }
            dirty[dirtyCount++] = p;
        }
    }

    private void flushNow(Participant p) {
        try {
            p.sink.flush();
        } catch (RuntimeException e) {
            stats.increment(Stat.SINK_ERRORS);
        }
    }

    /** End of a ring batch: one flush per participant that was written to. */
    public void flushDirty() {
        for (int i = 0; i < dirtyCount; i++) {
            Participant p = dirty[i];
            dirty[i] = null;
            p.dirty = false;
            flushNow(p);
        }
        dirtyCount = 0;
    }

    // ---------------------------------------------------------------- inspection

    public List<RoomInfo> rooms() {
        List<RoomInfo> out = new ArrayList<>(rooms.size());
        for (Room room : rooms.values()) {
            out.add(describe(room));
        }
        return out;
    }

    public RoomInfo room(String name) {
        Room room = rooms.get(name);
        return room == null ? null : describe(room);
    }

    private RoomInfo describe(Room room) {
        long now = clock.nanoTime();
        List<RoomInfo.ParticipantInfo> ps = new ArrayList<>();
        for (Participant p : room.members) {
            List<RoomInfo.StreamInfo> ss = new ArrayList<>();
            for (PublishedStream s : p.streams.values()) {
                StreamCache c = s.cache;
                ss.add(new RoomInfo.StreamInfo(s.streamId, s.kind, c == null ? 0 : c.bytes(),
                        c == null ? 0 : c.cachedPacketCount(), c != null && c.hasKeyframe(),
                        c != null && c.isAssembling(), c == null ? null : c.mode(),
                        c != null && c.hasKeyframe() ? Math.max(0, now - c.promotedAtNanos()) : -1));
            }
            ss.sort(java.util.Comparator.comparingInt(RoomInfo.StreamInfo::streamId));
            ps.add(new RoomInfo.ParticipantInfo(p.id, p.identity, p.replay != null, List.copyOf(ss)));
        }
        return new RoomInfo(room.name, List.copyOf(ps));
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
