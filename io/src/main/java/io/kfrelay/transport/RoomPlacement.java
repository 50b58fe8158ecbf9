package io.kfrelay.transport;

import java.util.concurrent.CompletableFuture;

/**
 * Where a JOIN's room is served: decided after admission (token, allow-list, rates) and before the JOIN reaches the
 * core. A single relay serves every room ({@link #LOCAL}, answered at once); in a cluster
 * ({@link io.kfrelay.cluster.ClusterNode}) the answer may need the cluster store and comes later, on another thread.
 *
 * <p>Contract: each {@link Here} answer is one reference on the room that the caller must give back with exactly
 * one {@link #left} when that session ends, however it ends (also when the connection is gone by the time the
 * answer arrives).
 */
public interface RoomPlacement {

    /** What a placement decided. */
    sealed interface Verdict permits Here, Refuse, Redirect {
    }

    /** Serve the JOIN here. */
    record Here() implements Verdict {
    }

    /** Refuse the JOIN with this ERROR code and reason (for example ROOM_ELSEWHERE naming the owner). */
    record Refuse(int code, String reason) implements Verdict {
    }

    /**
     * Serve the JOIN elsewhere: the session sends this REDIRECT (the node to JOIN again at, and why), then closes
     * like after an ERROR. Clients follow at most two (docs/PROTOCOL.md, REDIRECT).
     */
    record Redirect(io.kfrelay.protocol.ControlMessage.Redirect message) implements Verdict {
        public Redirect {
            java.util.Objects.requireNonNull(message, "message");
        }
    }

    Verdict HERE = new Here();

    /** The decision for a JOIN to {@code room}; may complete on any thread. Never fails exceptionally. */
    CompletableFuture<Verdict> place(String room);

    /** A session admitted by a {@link Here} answer for {@code room} has ended. */
    void left(String room);

    /**
     * The NODES message a session sends right after its JOINED (docs/PROTOCOL.md, NODES): the nodes a client may
     * reconnect to, as last known here. Null (the default, a single relay): no NODES is sent. Never waits.
     */
    default io.kfrelay.protocol.ControlMessage.Nodes nodesMessage() {
        return null;
    }

    /** One relay, no cluster: every room is served here, answered at once. */
    RoomPlacement LOCAL = new RoomPlacement() {
        private final CompletableFuture<Verdict> here = CompletableFuture.completedFuture(HERE);

        @Override
        public CompletableFuture<Verdict> place(String room) {
            return here;
        }

        @Override
        public void left(String room) {
        }
    };
}
