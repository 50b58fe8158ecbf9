package io.kfrelay.pipeline;

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
    private final Shard shard;
    private final RelayMetrics metrics;
    private final int participantId;
    private final String room;
    private final String identity;
    private final boolean canPublish;
    private final MediaHeader header = new MediaHeader();
    private volatile boolean left;
    /** Runs once, when the session is marked left: RelayCore's id lookup forgets it. Set before it is handed out. */
    private Runnable onLeft = () -> { };

    RelaySession(Shard shard, RelayMetrics metrics, int participantId, String room, String identity,
                 boolean canPublish) {
        this.canPublish = canPublish;
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
        shard.publishMedia(participantId, packet);
        return DecodeStatus.OK;
    }

    /**
     * Media from a participant whose grants do not include canPublish: dropped and counted, every time; the
     * first one also evicts it (one ERROR, then its sink is closed), whatever the transport.
     */
    private void refusePublish(ByteBuf packet) {
        packet.release();
        metrics.drops().incrementShared(DropReason.PUBLISH_NOT_ALLOWED);
        if (markLeft()) {
            shard.publish(new Command.Evict(participantId, ErrorCodes.PUBLISH_NOT_ALLOWED,
                    "this participant may not publish: its token does not grant canPublish"));
        }
    }

    /** Whether this participant may send media. */
    public boolean canPublish() {
        return canPublish;
    }

    /** This participant asks for a keyframe of {@code senderId}'s stream (throttled per stream by the relay). */
    public void requestKeyframe(long senderId, int streamId) {
        if (!left) {
            shard.publish(new Command.KeyframeRequest(participantId, senderId, streamId));
        }
    }

    /** This participant stops publishing one of its streams. */
    public void endStream(int streamId) {
        if (!left) {
            shard.publish(new Command.EndStream(participantId, streamId));
        }
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
        onLeft.run();
        return true;
    }

    void onLeft(Runnable action) {
        onLeft = action;
    }

    public boolean hasLeft() {
        return left;
    }
}
