package io.kfrelay.room;

import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.replay.ReplayJob;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.ArrayDeque;
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
    final Int2ObjectHashMap<PublishedStream> streams = new Int2ObjectHashMap<>();
    /** Non-null while this participant's replay runs; live media then queues in {@link #pending}. */
    ReplayJob replay;
    /** Live packets (retained ByteBufs) and control messages waiting behind the replay, in order. */
    ArrayDeque<Object> pending;
    /** Streams (keyframe cache mode) whose keyframe request waits until this participant's replay is done. */
    final List<PublishedStream> keyframesAfterReplay = new ArrayList<>(2);
    /** Touched in this batch: flush at the end of it. */
    boolean dirty;

    Participant(int id, String identity, ParticipantSink sink, Room room, boolean subscribes) {
        this.id = id;
        this.identity = identity;
        this.sink = sink;
        this.room = room;
        this.subscribes = subscribes;
    }
}
