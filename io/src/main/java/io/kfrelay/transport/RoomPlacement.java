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

    /**
     * What the joiner is, for placement: a participant that may publish goes to the room's origin; a receiver (no
     * canPublish grant, or JOIN option RECEIVE_ONLY) may be served at an edge; an edge relay (a cluster credential)
     * only at the origin, at the room epoch it names.
     */
    enum Role { PARTICIPANT, RECEIVER, EDGE }

    /** One JOIN to place. {@code epoch}: the room epoch an {@link Role#EDGE} names, else 0. */
    record Request(String room, Role role, long epoch) {
        public Request {
            java.util.Objects.requireNonNull(room, "room");
            java.util.Objects.requireNonNull(role, "role");
        }

        public static Request participant(String room) {
            return new Request(room, Role.PARTICIPANT, 0);
        }
    }

    /** What a JOIN's token says when it is a cluster credential (an edge relay joining the origin). */
    sealed interface RelayJoin permits EdgeJoin, InvalidCredential {
    }

    /** A verified credential of edge {@code node} for the room at {@code epoch}. */
    record EdgeJoin(String node, long epoch) implements RelayJoin {
    }

    /** A cluster credential that does not verify: refused CLUSTER_CREDENTIAL_INVALID with this reason. */
    record InvalidCredential(String reason) implements RelayJoin {
    }

    /** The decision for a JOIN; may complete on any thread. Never fails exceptionally. */
    CompletableFuture<Verdict> place(Request request);

    /** The decision for a JOIN of a participant that may publish (tests, and single relays). */
    default CompletableFuture<Verdict> place(String room) {
        return place(Request.participant(room));
    }

    /** A session admitted by a {@link Here} answer for {@code request} has ended. */
    void left(Request request);

    default void left(String room) {
        left(Request.participant(room));
    }

    /**
     * Null when {@code token} is not a cluster credential (a user's token, checked as always); else whether it
     * verifies for {@code room}. A single relay has no cluster credentials.
     */
    default RelayJoin relayJoin(String room, String token) {
        return null;
    }

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
        public CompletableFuture<Verdict> place(Request request) {
            return here;
        }

        @Override
        public void left(Request request) {
        }
    };
}
