package io.kfrelay.room;

import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.replay.CatchUpQueue;
import io.kfrelay.replay.ReplayJob;
import io.kfrelay.util.IndexedList;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.List;

/** A member of a room, as the shard consumer sees it. */
final class Participant {
    final int id;
    final String identity;
    final ParticipantSink sink;
    final Room room;
    /** Receives the others' media (the canSubscribe grant); false: control messages only. */
    final boolean subscribes;
    /** Subscribed to every stream as it starts (the default); false: only to what it asks for (JOIN option). */
    final boolean autoSubscribe;
    /** A cascade link's end, not a person ({@link Grants#relay}). */
    final boolean relay;
    /** What it publishes, by stream id. */
    final Int2ObjectHashMap<PublishedStream> streams = new Int2ObjectHashMap<>();
    /** What it receives; each knows its index here. */
    final IndexedList<Subscription> subscriptions = new IndexedList<>(new IndexedList.Index<>() {
        @Override
        public int get(Subscription s) {
            return s.indexInReceiver;
        }

        @Override
        public void set(Subscription s, int index) {
            s.indexInReceiver = index;
        }
    });
    /** Its plain-stream subscriptions (the legs), by {@link Subscription#key}(publisher, stream). */
    final Long2ObjectHashMap<Subscription> streamSubscriptions = new Long2ObjectHashMap<>();
    /** Its simulcast source subscriptions, by {@link Subscription#key}(publisher, source id). */
    final Long2ObjectHashMap<SourceSubscription> sourceSubscriptions = new Long2ObjectHashMap<>();
    /** The simulcast sources it publishes, in declaration order; and each, by every one of its layers' stream ids. */
    final List<SimulcastSource> sources = new ArrayList<>(1);
    final Int2ObjectHashMap<SimulcastSource> sourcesByStream = new Int2ObjectHashMap<>();
    /** Position in {@link Room#members}. */
    int indexInRoom = -1;
    /** Non-null while this participant's replay runs; live media and control then wait in {@link #catchUp}. */
    ReplayJob replay;
    CatchUpQueue catchUp;
    /** Streams (keyframe cache mode) whose keyframe request waits until this participant's replay is done. */
    final List<PublishedStream> keyframesAfterReplay = new ArrayList<>(2);
    /**
     * When it joined a room with video already published (clock nanos, never 0); 0 once it is live on such a stream
     * (its replay handed over, or its first keyframe start forwarded) and for other joins: the late-join histogram.
     */
    long lateJoinSince;
    /** Touched in this batch: flush at the end of it. */
    boolean dirty;

    Participant(int id, String identity, ParticipantSink sink, Room room, boolean subscribes, boolean autoSubscribe) {
        this(id, identity, sink, room, subscribes, autoSubscribe, false);
    }

    Participant(int id, String identity, ParticipantSink sink, Room room, boolean subscribes, boolean autoSubscribe,
                boolean relay) {
        this.relay = relay;
        this.id = id;
        this.identity = identity;
        this.sink = sink;
        this.room = room;
        this.subscribes = subscribes;
        // A cascade end subscribes only by choice: what it takes is checked one stream at a time (no loops).
        this.autoSubscribe = subscribes && autoSubscribe && !relay;
    }

    boolean inReplay() {
        return replay != null;
    }

}
