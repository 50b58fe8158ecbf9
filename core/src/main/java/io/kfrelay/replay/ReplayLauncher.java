package io.kfrelay.replay;

import io.kfrelay.cache.RunSlice;
import io.kfrelay.egress.ParticipantSink;

import java.util.List;

/** Starts the replay of cached slices to one joiner, off the consumer thread. */
@FunctionalInterface
public interface ReplayLauncher {
    /**
     * Takes ownership of {@code slices} and starts a job that sends them, then what queues in {@code queue}; the
     * job reports back through the ring when it ends.
     */
    ReplayJob launch(int participantId, ParticipantSink sink, List<RunSlice> slices, CatchUpQueue queue);
}
