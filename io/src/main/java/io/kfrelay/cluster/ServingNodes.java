package io.kfrelay.cluster;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * The one rule for choosing a node to send clients to when the room has no other owner (a draining node's rooms and
 * JOINs): the least-loaded other node whose registry state is {@code serving}. A draining node is never chosen, nor
 * one without a WebSocket URL. Load is participants, then rooms; the node id breaks ties, so every node picks alike.
 */
public final class ServingNodes {
    private static final Comparator<NodeRecord> LEAST_LOADED = Comparator.comparingLong(NodeRecord::participants)
            .thenComparingLong(NodeRecord::rooms).thenComparing(NodeRecord::id);

    private ServingNodes() {
    }

    /** The least-loaded serving node of {@code nodes} other than {@code except}, if any. */
    public static Optional<NodeRecord> leastLoaded(Collection<NodeRecord> nodes, String except) {
        return nodes.stream().filter(ServingNodes::takesClients).filter(n -> !n.id().equals(except))
                .min(LEAST_LOADED);
    }

    /** Whether clients may be sent to {@code node}: it is serving (not draining) and has a WebSocket URL. */
    public static boolean takesClients(NodeRecord node) {
        return node != null && NodeRecord.SERVING.equals(node.state()) && !node.ws().isEmpty();
    }
}
