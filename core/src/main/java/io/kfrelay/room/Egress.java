package io.kfrelay.room;

import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Stat;
import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/**
 * The one way room state hands anything to a participant's sink. A participant whose replay runs gets its control
 * messages queued behind the replay (sent now, STREAM_ENDED could overtake the stream's replayed packets); a sink
 * that throws costs nobody else anything. Every participant written to in a ring batch is flushed once at its end.
 */
final class Egress {
    private final EnumCounters<Stat> stats;
    private Participant[] dirty = new Participant[64];
    private int dirtyCount;

    Egress(EnumCounters<Stat> stats) {
        this.stats = stats;
    }

    /** A control message for {@code p}; ownership passes. */
    void send(Participant p, ByteBuf message) {
        if (p.catchUp != null) {
            p.catchUp.offerControl(message);
            return;
        }
        try {
            p.sink.sendControl(message);
        } catch (RuntimeException e) {
            stats.increment(Stat.SINK_ERRORS);
        }
        markDirty(p);
    }

    /** A live media packet for {@code p}, which is not in replay; borrowed. */
    void sendMedia(Participant p, ByteBuf packet) {
        try {
            p.sink.sendMedia(packet);
        } catch (RuntimeException e) {
            // A broken sink must not cost the other receivers their packet.
            stats.increment(Stat.SINK_ERRORS);
        }
        markDirty(p);
    }

    /**
     * Drops what {@code p}'s queues still hold of one stream (it unsubscribed). Behind a running replay the request
     * waits in the catch-up queue, in order, so it reaches the sink after the packets queued before it.
     */
    void purge(Participant p, int senderId, int streamId) {
        long key = io.kfrelay.replay.CatchUpQueue.key(senderId, streamId);
        if (p.catchUp != null) {
            p.catchUp.offerPurge(key);
            return;
        }
        purgeNow(p, key);
    }

    /** {@link #purge} straight to the sink. */
    void purgeNow(Participant p, long key) {
        try {
            p.sink.purge(key >>> 16, (int) (key & 0xFFFF));
        } catch (RuntimeException e) {
            stats.increment(Stat.SINK_ERRORS);
        }
    }

    /** A control message to a sink that belongs to nobody (yet): a refused JOIN. */
    void sendNow(ParticipantSink sink, ByteBuf message) {
        try {
            sink.sendControl(message);
            sink.flush();
        } catch (RuntimeException e) {
            stats.increment(Stat.SINK_ERRORS);
        }
    }

    void flushNow(Participant p) {
        try {
            p.sink.flush();
        } catch (RuntimeException e) {
            stats.increment(Stat.SINK_ERRORS);
        }
    }

    void close(ParticipantSink sink) {
        try {
            sink.close();
        } catch (RuntimeException e) {
            stats.increment(Stat.SINK_ERRORS);
        }
    }

    void markDirty(Participant p) {
        if (!p.dirty) {
            p.dirty = true;
            if (dirtyCount == dirty.length) {
                dirty = Arrays.copyOf(dirty, dirtyCount * 2);
            }
            dirty[dirtyCount++] = p;
        }
    }

    /** End of a ring batch: one flush per participant that was written to. */
    void flushDirty() {
        for (int i = 0; i < dirtyCount; i++) {
            Participant p = dirty[i];
            dirty[i] = null;
            p.dirty = false;
            flushNow(p);
        }
        dirtyCount = 0;
    }
}
