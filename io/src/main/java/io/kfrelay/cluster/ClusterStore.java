package io.kfrelay.cluster;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The shared state of a kfrelay cluster: the node registry and room ownership. Every operation is asynchronous and
 * fails fast (a bounded command timeout) when the store cannot be reached; none blocks its caller. Ownership is
 * changed only by compare-and-set operations on the store (never read-then-write, never an unconditional delete).
 * {@link RedisClusterStore} is the implementation; docs/CLUSTER.md describes the keys and scripts.
 */
public interface ClusterStore extends AutoCloseable {

    /** A new boot epoch for {@code nodeId}: one more than any start of that node before (INCR). */
    CompletableFuture<Long> nextBootEpoch(String nodeId);

    /**
     * Writes (or refreshes) the node's record with this expiry; false, writing nothing, if a later boot of the same
     * node id holds the record (two processes run as one node).
     */
    CompletableFuture<Boolean> putNode(NodeRecord node, Duration ttl);

    /** Removes the node's record if {@code bootEpoch} wrote it (compare-and-delete); true if it did. */
    CompletableFuture<Boolean> removeNode(String nodeId, long bootEpoch);

    /** The node's record, or null when it has none (never registered, or expired). */
    CompletableFuture<NodeRecord> node(String nodeId);

    /** Every registered node (SCAN). */
    CompletableFuture<List<NodeRecord>> nodes();

    /**
     * Claims {@code room} for {@code nodeId}: if nobody holds it (or this same node id holds it from an earlier claim,
     * which the new one replaces) it becomes the owner with a new room epoch, at least {@code floorEpoch + 1}, and
     * {@code token}, for {@code lease}; otherwise the answer names the holder.
     */
    CompletableFuture<ClaimResult> claim(String room, String nodeId, String token, long floorEpoch, Duration lease);

    /** Extends the claim to {@code lease} from now if {@code token} still holds it (compare-and-expire). */
    CompletableFuture<Boolean> renew(String room, String token, Duration lease);

    /** Deletes the claim if {@code token} still holds it (compare-and-delete); true if it did. */
    CompletableFuture<Boolean> release(String room, String token);

    /** The room's owner, or null when nobody holds it. */
    CompletableFuture<RoomOwner> owner(String room);

    /**
     * Sets whether the origin holding {@code room} under {@code token} is full of receivers (compare-and-set on the
     * token); false when the token no longer holds the room.
     */
    CompletableFuture<Boolean> markFull(String room, String token, boolean full);

    /** An edge relaying a room, as the store lists it: the node and how many receivers it serves there. */
    record Edge(String node, long receivers) {
    }

    /** Records that {@code nodeId} relays {@code room} as an edge serving {@code receivers}, for {@code ttl}. */
    CompletableFuture<Void> putEdge(String room, String nodeId, long receivers, Duration ttl);

    /** {@code nodeId} no longer relays {@code room}. */
    CompletableFuture<Void> dropEdge(String room, String nodeId);

    /** The edges relaying {@code room} now (entries whose ttl has passed are left out). */
    CompletableFuture<List<Edge>> edges(String room);

    /**
     * The cluster's shared key for the credentials edges join origins with: created (random, 32 bytes, base64) by
     * the first node that asks, read by every other.
     */
    CompletableFuture<String> clusterKey();

    /** Every held room (SCAN). */
    CompletableFuture<List<RoomOwner>> rooms();

    @Override
    void close();
}
