package io.kfrelay.pipeline;

import io.kfrelay.metrics.ClientRequest;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.MediaHeader;
import io.netty.buffer.ByteBuf;

/**
 * A transport's handle on one participant: everything it receives from its connection goes in here.
 * {@link #publish} must be called from one thread at a time (the connection's I/O thread: the session keeps
 * one header flyweight for it); the other methods from any thread.
 */
public final class RelaySession {
    /** Distinct keyframe requests one session may have waiting for its shard. */
    static final int MAX_PENDING_KEYFRAME_REQUESTS = 16;
    /** Distinct subscription changes one session may have waiting for its shard. */
    public static final int MAX_PENDING_SUBSCRIPTION_CHANGES = 256;
    private final Shard shard;
    private final RelayMetrics metrics;
    private final int participantId;
    private final String room;
    private final String identity;
    private final boolean canPublish;
    private final MediaHeader header = new MediaHeader();
    /** The room's share of the shard's ring, charged per packet; given back when the session leaves. */
    private final RoomLoad load;
    private final SessionRequests requests;
    private final int maxStreams;
    /** Stream ids this session has declared in simulcast sources (its I/O thread only). */
    private final java.util.Set<Integer> declaredLayers = new java.util.HashSet<>();
    private volatile boolean left;
    /** Why the relay ended this session, when it did (kick, eviction); null for a leave or a disconnect. */
    private volatile Eviction eviction;

    /** The relay's reason for ending a session: the last message it sends (an ERROR, or a REDIRECT). */
    record Eviction(io.kfrelay.protocol.ControlMessage last) {
    }

    RelaySession(Shard shard, RelayMetrics metrics, int participantId, String room, String identity,
                 boolean canPublish, int maxStreams) {
        this.canPublish = canPublish;
        this.load = shard.openLoad(room);
        this.requests = new SessionRequests(MAX_PENDING_KEYFRAME_REQUESTS, maxStreams, MAX_PENDING_SUBSCRIPTION_CHANGES);
        this.maxStreams = maxStreams;
        this.shard = shard;
        this.metrics = metrics;
        this.participantId = participantId;
        this.room = room;
        this.identity = identity;
    }

    public int participantId() {
        return participantId;
    }

    public String room() {
        return room;
    }

    public String identity() {
        return identity;
    }

    /** Index of the shard that owns this session's room. */
    public int shard() {
        return shard.index();
    }

    /**
     * Publishes one media packet; ownership of {@code packet} passes to the relay in every case. Returns the
     * validation result: anything but OK is malformed (counted; the transport should answer with an ERROR).
     * OK means well-formed: forwarded, or dropped and counted if the ring was full. Never blocks.
     */
    public DecodeStatus publish(ByteBuf packet) {
        DecodeStatus status = header.wrap(packet);
        if (status != DecodeStatus.OK) {
            packet.release();
            metrics.decodeRejects().incrementShared(status);
            metrics.drops().incrementShared(DropReason.MALFORMED);
            return status;
        }
        if (!canPublish) {
            refusePublish(packet);
            return DecodeStatus.OK;
        }
        if (left) {
            packet.release();
            metrics.drops().incrementShared(DropReason.UNKNOWN_SENDER);
            return DecodeStatus.OK;
        }
        shard.publishMedia(participantId, packet, load);
        return DecodeStatus.OK;
    }

    /**
     * Media from a participant whose grants do not include canPublish: dropped and counted, every time; the
     * first one also evicts it (one ERROR, then its sink is closed), whatever the transport.
     */
    private void refusePublish(ByteBuf packet) {
        packet.release();
        metrics.drops().incrementShared(DropReason.PUBLISH_NOT_ALLOWED);
        int code = ErrorCodes.PUBLISH_NOT_ALLOWED;
        String reason = "this participant may not publish: its token does not grant canPublish";
        io.kfrelay.protocol.ControlMessage last = new io.kfrelay.protocol.ControlMessage.Error(code, reason);
        if (markEvicted(last)) {
            shard.publish(new Command.Evict(participantId, last));
        }
    }

    /** Whether this participant may send media. */
    public boolean canPublish() {
        return canPublish;
    }

    /**
     * This participant asks for a keyframe of {@code senderId}'s stream (throttled per stream by the relay).
     * Coalesced with its other pending requests; shed when too many are pending or the ring is under pressure.
     */
    public void requestKeyframe(long senderId, int streamId) {
        if (left) {
            return;
        }
        switch (requests.addKeyframe(SessionRequests.keyframeKey(senderId, streamId))) {
            case SCHEDULE -> schedule();
            case COALESCED -> metrics.clientRequests().incrementShared(ClientRequest.KEYFRAME_COALESCED);
            case SHED -> metrics.clientRequests().incrementShared(ClientRequest.KEYFRAME_SHED);
            case PENDING -> { }
        }
    }

    /**
     * An edge relay's stand-in for a publisher at the origin (grants with {@code relay}) announces one of its streams
     * before the first packet, so the edge's receivers can subscribe to it (docs/CLUSTER.md). The shard ignores it
     * from anyone else. Never shed: a stream an edge fails to announce would be invisible there.
     */
    public void announceStream(int streamId, int kind) {
        if (!left) {
            shard.publish(new Command.AnnounceStream(participantId, streamId, kind));
        }
    }

    /**
     * This participant stops publishing one of its streams. Coalesced like keyframe requests; one that cannot be
     * queued is kept until the next request of this session, and a stream whose end is lost ends at the leave.
     */
    public void endStream(int streamId) {
        if (left) {
            return;
        }
        switch (requests.addEnd(streamId)) {
            case SCHEDULE -> schedule();
            case COALESCED -> metrics.clientRequests().incrementShared(ClientRequest.STREAM_END_COALESCED);
            case SHED -> metrics.clientRequests().incrementShared(ClientRequest.STREAM_END_SHED);
            case PENDING -> { }
        }
    }

    /**
     * This participant subscribes to {@code publisherId}'s stream, or changes the layer it wants
     * ({@link io.kfrelay.protocol.Protocol#LAYER_AUTO} or 0..255, checked by the consumer). Coalesced with the
     * same stream's pending change, the latest winning; never shed under ring pressure. False when too many
     * changes are pending ({@value #MAX_PENDING_SUBSCRIPTION_CHANGES}): nothing changed, tell the client.
     */
    public boolean subscribe(long publisherId, int streamId, int layer) {
        return changeSubscription(publisherId, streamId, layer);
    }

    /** This participant ends a subscription; as {@link #subscribe}. */
    public boolean unsubscribe(long publisherId, int streamId) {
        return changeSubscription(publisherId, streamId, SessionRequests.UNSUBSCRIBE);
    }

    private boolean changeSubscription(long publisherId, int streamId, int layer) {
        if (left) {
            return true;
        }
        switch (requests.addSubscription(SessionRequests.keyframeKey(publisherId, streamId), layer)) {
            case SCHEDULE -> schedule();
            case COALESCED -> metrics.clientRequests().incrementShared(ClientRequest.SUBSCRIPTION_COALESCED);
            case SHED -> {
                metrics.clientRequests().incrementShared(ClientRequest.SUBSCRIPTION_REFUSED);
                return false;
            }
            case PENDING -> { }
        }
        return true;
    }

    /**
     * This publisher declares a simulcast source of {@code streamIds}, lowest quality first. The checks this
     * session can make alone come first: a refusal reason (for ERROR SIMULCAST_INVALID), or null when the
     * declaration went to the shard, which refuses one naming a stream that has already started. I/O thread.
     */
    public String declareSimulcast(java.util.List<Integer> streamIds) {
        if (streamIds.isEmpty() || streamIds.size() > io.kfrelay.protocol.Protocol.MAX_LAYERS) {
            return "a simulcast source has 1.." + io.kfrelay.protocol.Protocol.MAX_LAYERS + " layers, not " + streamIds.size();
        }
        if (new java.util.HashSet<>(streamIds).size() != streamIds.size()) {
            return "a simulcast declaration names a stream twice: " + streamIds;
        }
        for (int id : streamIds) {
            if (declaredLayers.contains(id)) {
                return "stream " + id + " is already a layer of a simulcast source";
            }
        }
        if (declaredLayers.size() + streamIds.size() > maxStreams) {
            return "more simulcast layers than the " + maxStreams + " streams a participant may publish";
        }
        if (!left) {
            declaredLayers.addAll(streamIds);
            shard.publish(new Command.Simulcast(participantId, streamIds.stream().mapToInt(Integer::intValue).toArray()));
        }
        return null;
    }

    private void schedule() {
        if (shard.publishSoft(new Command.Requests(this))) {
            metrics.clientRequests().incrementShared(ClientRequest.BATCHES);
            return;
        }
        metrics.clientRequests().addShared(ClientRequest.KEYFRAME_SHED, requests.unschedule());
        if (requests.rescheduleSubscriptions()) {
            shard.publish(new Command.Requests(this));
        }
    }

    /** Consumer: this session's pending requests, applied in ring order. */
    void applyRequests(io.kfrelay.room.RoomState state) {
        requests.drainTo(new SessionRequests.Sink() {
            @Override
            public void endStream(int streamId) {
                state.endStream(participantId, streamId);
            }

            @Override
            public void keyframeRequest(long senderId, int streamId) {
                state.keyframeRequest(participantId, senderId, streamId);
            }

            @Override
            public void subscribe(long publisherId, int streamId, int layer) {
                state.subscribe(participantId, publisherId, streamId, layer);
            }

            @Override
            public void unsubscribe(long publisherId, int streamId) {
                state.unsubscribe(participantId, publisherId, streamId);
            }
        });
    }

    /** LEAVE or disconnect; idempotent, never lost. */
    public void leave() {
        if (markLeft()) {
            shard.publish(new Command.Leave(participantId));
        }
    }

    /** Marks the session left; true for the one caller that did it (leave or evict). */
    synchronized boolean markLeft() {
        if (left) {
            return false;
        }
        left = true;
        shard.closeLoad(load);
        return true;
    }

    /** Marks the session ended by the relay, remembering why (a JOIN still in the ring is answered with it). */
    synchronized boolean markEvicted(io.kfrelay.protocol.ControlMessage last) {
        if (left) {
            return false;
        }
        eviction = new Eviction(last);
        return markLeft();
    }

    /** Why the relay ended this session, or null (still on, or it left by itself). */
    Eviction eviction() {
        return eviction;
    }

    public boolean hasLeft() {
        return left;
    }
}
