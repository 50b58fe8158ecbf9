package io.kfrelay.pipeline;

import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.replay.ReplayJob;
import io.kfrelay.room.Grants;
import io.kfrelay.room.RoomState;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Everything but media that travels through a shard's ring. Membership commands are never dropped (see
 * {@link Shard#publish}); a session's own requests are coalesced and may be shed ({@link SessionRequests}).
 */
sealed interface Command {

    /** Carries the session: a JOIN whose session has already left (a kick that raced it) joins nobody. */
    record Join(RelaySession session, Grants grants, boolean manualSubscribe, ParticipantSink sink) implements Command {
    }

    record Leave(int participantId) implements Command {
    }

    /** A JOIN refused before it reached the room state (the relay is draining): counted and answered in ring order. */
    record Refuse(ParticipantSink sink, int code, String reason) implements Command {
    }

    /** The relay ends a session: {@code last} (an ERROR, or a REDIRECT when its room moved) is its last message. */
    record Evict(int participantId, io.kfrelay.protocol.ControlMessage last) implements Command {
    }

    /** The keyframe requests and stream ends a session has pending: taken from it when handled. */
    record Requests(RelaySession session) implements Command {
    }

    /** A publisher declares the layers of a simulcast source (checked by its session; at most its stream limit). */
    record Simulcast(int participantId, int[] streamIds) implements Command {
    }

    /** A relay's stand-in publisher announces a stream before its first packet (cascade edges). */
    record AnnounceStream(int participantId, int streamId, int kind) implements Command {
    }

    record ReplayDone(int participantId, ReplayJob job) implements Command {
    }

    /** Runs a read-only query on the consumer thread, in ring order. */
    record Query<T>(Function<RoomState, T> query, CompletableFuture<T> result) implements Command {
        void run(RoomState state) {
            try {
                result.complete(query.apply(state));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }
    }

    /** Wakes the consumer so it drains the overflow queue. */
    record Nudge() implements Command {
    }

    /** Evicts everyone and stops the consumer. */
    record Shutdown(int code, String reason) implements Command {
    }
}
