package io.kfrelay.cli;

import io.kfrelay.cluster.ClusterConfig;
import picocli.CommandLine.Option;

import java.time.Duration;

/** {@code serve}'s cluster options (a mixin): off unless {@code --cluster} names a store. docs/CLUSTER.md. */
final class ClusterOptions {

    @Option(names = "--cluster", paramLabel = "URI",
            description = "Join a cluster whose state is in this Redis (redis://HOST:PORT): the node registers "
                    + "itself, claims the rooms whose JOINs it serves and redirects JOINs for rooms another node owns "
                    + "(REDIRECT). Off by default: a single relay. docs/CLUSTER.md.")
    String cluster;

    @Option(names = "--node-id", paramLabel = "ID",
            description = "This node's id in the cluster, unique per process; default HOSTNAME:WSPORT.")
    String nodeId;

    @Option(names = "--advertise", paramLabel = "URL[,URL]", split = ",",
            description = "What other nodes and clients are told to connect to: a ws:// (or wss://) URL and/or a "
                    + "quic:// URL; default the listeners' addresses (a wildcard host as this host's name).")
    String[] advertise;

    @Option(names = "--cluster-lease", paramLabel = "DURATION", defaultValue = "10s", converter = Converters.Time.class,
            description = "How long a room's ownership claim lasts without renewal. The node stops acting as a "
                    + "room's owner 4/5 of it after its last renewal was sent, before the claim can expire.")
    Duration lease;

    @Option(names = "--cluster-refresh", paramLabel = "DURATION", defaultValue = "2s",
            converter = Converters.Time.class,
            description = "How often the node refreshes its registry record (which expires after 3 of these) and "
                    + "renews its rooms' claims.")
    Duration refresh;

    @Option(names = "--cluster-max-receivers", paramLabel = "N", defaultValue = "200",
            description = "Receivers of one room this node serves, as the room's origin or as an edge, before it "
                    + "sends more to an edge relaying the room or to the least-loaded node (REDIRECT LOAD). Receivers "
                    + "are JOINs without the right to publish or with JOIN option RECEIVE_ONLY.")
    int maxReceivers;

    /**
     * The cluster configuration, or null without {@code --cluster}.
     *
     * @throws IllegalArgumentException naming the option that is wrong
     */
    ClusterConfig clusterConfig() {
        if (cluster == null || cluster.isBlank()) {
            return null;
        }
        if (!cluster.startsWith("redis://") && !cluster.startsWith("rediss://")) {
            throw new IllegalArgumentException("cluster must be a Redis URI (redis://HOST:PORT), was '" + cluster + "'");
        }
        String ws = null;
        String quic = null;
        if (advertise != null) {
            for (String url : advertise) {
                String u = url.trim();
                if (u.startsWith("ws://") || u.startsWith("wss://")) {
                    ws = u;
                } else if (u.startsWith("quic://")) {
                    quic = u;
                } else if (!u.isEmpty()) {
                    throw new IllegalArgumentException("advertise takes ws://, wss:// and quic:// URLs, was '" + u + "'");
                }
            }
        }
        return ClusterConfig.of(cluster.trim()).withNodeId(nodeId).withAdvertise(ws, quic).withTimes(lease, refresh)
                .withMaxReceivers(maxReceivers);
    }
}
