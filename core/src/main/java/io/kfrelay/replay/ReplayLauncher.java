package io.kfrelay.replay;

import io.kfrelay.cache.ReplaySnapshot;
import io.kfrelay.egress.ParticipantSink;

/** Starts the replay of a snapshot to one joiner, off the consumer thread. */
@FunctionalInterface
public interface ReplayLauncher {
    /** Takes ownership of {@code snapshot}; the returned job reports back through the ring when it ends. */
    ReplayJob launch(int participantId, ParticipantSink sink, ReplaySnapshot snapshot);
}
