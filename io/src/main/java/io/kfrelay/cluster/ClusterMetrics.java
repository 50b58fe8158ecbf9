package io.kfrelay.cluster;

import io.kfrelay.telemetry.MetricSource;
import io.kfrelay.telemetry.MetricWriter;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A node's cluster counters (docs/CLUSTER.md, operations; docs/OPERATIONS.md lists them): what it owns and serves,
 * what it relays, and what its cascade links cost. Counters are adders (the data path only adds); the gauges are read
 * from the node when scraped.
 */
public final class ClusterMetrics implements MetricSource {
    private final LongAdder cascadeBytes = new LongAdder();
    private final LongAdder cascadePackets = new LongAdder();
    private final LongAdder cascadeDropped = new LongAdder();
    private final LongAdder upstreamKeyframeRequests = new LongAdder();
    private final LongAdder keyframeRequestsPrimed = new LongAdder();
    private final LongAdder upstreamSubscribes = new LongAdder();
    private final LongAdder redirectsOrigin = new LongAdder();
    private final LongAdder redirectsLoad = new LongAdder();
    private final LongAdder edgeLinksLost = new LongAdder();
    private volatile LongSupplier roomsOwned = () -> 0;
    private volatile LongSupplier roomsRelayed = () -> 0;
    private volatile LongSupplier edgesServed = () -> 0;

    void gauges(LongSupplier owned, LongSupplier relayed, LongSupplier edges) {
        roomsOwned = owned;
        roomsRelayed = relayed;
        edgesServed = edges;
    }

    void cascadeIn(int bytes) {
        cascadePackets.increment();
        cascadeBytes.add(bytes);
    }

    void cascadeDropped() {
        cascadeDropped.increment();
    }

    void upstreamKeyframeRequest() {
        upstreamKeyframeRequests.increment();
    }

    void keyframeRequestPrimed() {
        keyframeRequestsPrimed.increment();
    }

    void upstreamSubscribe() {
        upstreamSubscribes.increment();
    }

    void redirected(boolean load) {
        (load ? redirectsLoad : redirectsOrigin).increment();
    }

    void linkLost() {
        edgeLinksLost.increment();
    }

    @Override
    public void collect(MetricWriter out) {
        out.gauge("kfrelay_cluster_rooms_owned", "Rooms this node is the origin of now", roomsOwned.getAsLong());
        out.gauge("kfrelay_cluster_rooms_relayed", "Rooms this node relays as an edge now", roomsRelayed.getAsLong());
        out.gauge("kfrelay_cluster_edges_served", "Edge relays joined to the rooms this node is the origin of",
                edgesServed.getAsLong());
        out.counter("kfrelay_cluster_cascade_packets_total", "Media packets received from origins over cascade links",
                cascadePackets.sum());
        out.counter("kfrelay_cluster_cascade_bytes_total", "Bytes of media received from origins over cascade links",
                cascadeBytes.sum());
        out.counter("kfrelay_cluster_cascade_dropped_total",
                "Cascade packets of a publisher this edge has no stand-in for (dropped)", cascadeDropped.sum());
        out.counter("kfrelay_cluster_upstream_keyframe_requests_total",
                "Keyframe requests this edge sent to origins (its cache could not serve)", upstreamKeyframeRequests.sum());
        out.counter("kfrelay_cluster_keyframe_requests_primed_total",
                "Keyframe requests of this edge's core answered by the origin's priming, not sent upstream",
                keyframeRequestsPrimed.sum());
        out.counter("kfrelay_cluster_upstream_subscribes_total", "Streams this edge subscribed to at origins",
                upstreamSubscribes.sum());
        out.counter("kfrelay_cluster_redirects_total", "JOINs this node sent elsewhere, by reason",
                redirectsOrigin.sum(), "reason", "room_elsewhere");
        out.counter("kfrelay_cluster_redirects_total", "JOINs this node sent elsewhere, by reason",
                redirectsLoad.sum(), "reason", "load");
        out.counter("kfrelay_cluster_edge_links_lost_total", "Cascade links to an origin lost (origin gone or refused)",
                edgeLinksLost.sum());
    }
}
