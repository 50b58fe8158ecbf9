package io.kfrelay.cluster;

import java.time.Duration;

/**
 * The cluster mode of {@code serve} (off unless {@code --cluster} names a store). docs/CLUSTER.md.
 *
 * @param store          the Redis URI, e.g. {@code redis://10.0.0.5:6379}
 * @param nodeId         this node's id; null: {@code HOSTNAME:WSPORT}, decided at start
 * @param advertiseWs    the WebSocket URL other nodes and clients are told; null: the listener's
 * @param advertiseQuic  the QUIC URL they are told; null: the listener's (none without a QUIC listener)
 * @param lease          how long a room claim lasts without renewal; default 10 s
 * @param refresh        how often the node record is refreshed and room claims renewed; default 2 s. The node
 *                       record expires after three of these
 * @param commandTimeout how long one store command may take before it counts as failed; default 500 ms
 * @param maxReceivers   receivers of one room a node serves (as its origin or as an edge) before it sends more to an
 *                       edge or the least-loaded node; default 200
 */
public record ClusterConfig(String store, String nodeId, String advertiseWs, String advertiseQuic, Duration lease,
                            Duration refresh, Duration commandTimeout, int maxReceivers) {

    public static final int DEFAULT_MAX_RECEIVERS = 200;

    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(2);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(500);

    public ClusterConfig {
        if (store == null || store.isBlank()) {
            throw new IllegalArgumentException("cluster needs a store: redis://HOST:PORT");
        }
        if (nodeId != null && (nodeId.isEmpty() || nodeId.length() > 128
                || nodeId.chars().anyMatch(c -> c <= ' ' || c == '{' || c == '}' || c >= 0x7F))) {
            throw new IllegalArgumentException("node-id must be 1..128 printable ASCII characters without spaces or "
                    + "braces, was '" + nodeId + "'");
        }
        if (maxReceivers < 1) {
            throw new IllegalArgumentException("cluster-max-receivers must be at least 1, was " + maxReceivers);
        }
        if (lease == null || refresh == null || commandTimeout == null || !commandTimeout.isPositive()
                || refresh.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("cluster-refresh must be at least 100ms and the timeouts positive");
        }
        if (lease.minus(fenceMargin(lease)).compareTo(refresh.multipliedBy(2).plus(commandTimeout)) < 0) {
            throw new IllegalArgumentException("cluster-lease (" + lease.toMillis() + " ms) leaves too little time: "
                    + "a node stops acting as a room's owner at 4/5 of the lease after its last renewal, and must be "
                    + "able to try twice before (2 x cluster-refresh + " + commandTimeout.toMillis()
                    + " ms); raise the lease or lower the refresh");
        }
    }

    public static ClusterConfig of(String store) {
        return new ClusterConfig(store, null, null, null, DEFAULT_LEASE, DEFAULT_REFRESH, DEFAULT_COMMAND_TIMEOUT,
                DEFAULT_MAX_RECEIVERS);
    }

    public ClusterConfig withNodeId(String id) {
        return new ClusterConfig(store, id, advertiseWs, advertiseQuic, lease, refresh, commandTimeout, maxReceivers);
    }

    public ClusterConfig withAdvertise(String ws, String quic) {
        return new ClusterConfig(store, nodeId, ws, quic, lease, refresh, commandTimeout, maxReceivers);
    }

    public ClusterConfig withTimes(Duration lease, Duration refresh) {
        return new ClusterConfig(store, nodeId, advertiseWs, advertiseQuic, lease, refresh, commandTimeout, maxReceivers);
    }

    public ClusterConfig withMaxReceivers(int max) {
        return new ClusterConfig(store, nodeId, advertiseWs, advertiseQuic, lease, refresh, commandTimeout, max);
    }

    /**
     * The margin before a claim's expiry at which the node stops acting as owner: a fifth of the lease. It covers
     * the difference in clock rates between this host and Redis's over one lease, and a renewal answered late.
     */
    public static Duration fenceMargin(Duration lease) {
        return lease.dividedBy(5);
    }

    /** How long the node record lives without a refresh: three refresh periods. */
    public Duration nodeTtl() {
        return refresh.multipliedBy(3);
    }
}
