package io.kfrelay.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kfrelay.cli.Units;
import io.kfrelay.cluster.ClusterDrain;
import io.kfrelay.cluster.ClusterNode;
import io.kfrelay.cluster.NodeRecord;
import io.kfrelay.json.JsonSupport;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.room.RoomInfo;
import io.kfrelay.telemetry.MetricsRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * What each admin endpoint does, against one relay. Room views are taken by the shard consumers in ring order,
 * so they are answered as futures; a shard that does not answer within {@link #QUERY_TIMEOUT_SECONDS} gets a 503.
 */
final class AdminApi {
    static final long QUERY_TIMEOUT_SECONDS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);

    private final RelayCore core;
    private final MetricsRegistry metrics;
    private final BooleanSupplier stopping;
    /** Null unless the relay is a cluster node. */
    private final ClusterNode cluster;
    /** The cluster node's drain; null for a single relay. */
    private final ClusterDrain clusterDrain;

    AdminApi(RelayCore core, MetricsRegistry metrics, BooleanSupplier stopping) {
        this(core, metrics, stopping, null, null);
    }

    AdminApi(RelayCore core, MetricsRegistry metrics, BooleanSupplier stopping, ClusterNode cluster,
             ClusterDrain clusterDrain) {
        this.core = core;
        this.metrics = metrics;
        this.stopping = stopping;
        this.cluster = cluster;
        this.clusterDrain = clusterDrain;
    }

    CompletableFuture<AdminResponse> handle(AdminRoute route) {
        return switch (route) {
            case AdminRoute.Health h -> done(health());
            case AdminRoute.Ready r -> done(ready());
            case AdminRoute.Metrics m -> done(AdminResponse.metrics(metrics.scrape(m.accept())));
            case AdminRoute.Rooms r -> query(core.rooms().thenApply(this::rooms));
            case AdminRoute.Stats s -> done(AdminResponse.ok(StatsJson.stats(core)));
            case AdminRoute.Room r -> query(core.room(r.name()).thenApply(info -> info == null
                    ? AdminResponse.error(404, "no room '" + r.name() + "'")
                    : AdminResponse.ok(RoomJson.room(info, core.shardIndex(info.name())))));
            case AdminRoute.Kick k -> done(kick(k));
            case AdminRoute.Drain d -> done(drain(d));
            case AdminRoute.ClusterLookup l -> lookup(l.room());
            case AdminRoute.ClusterNodes n -> cluster == null ? done(notClustered())
                    : query(cluster.nodes().thenApply(AdminApi::nodes));
            case AdminRoute.NotFound n -> done(AdminResponse.error(404, "nothing at " + n.path()
                    + " (try /, /metrics, /healthz, /readyz, /api/rooms, /api/stats)"));
            case AdminRoute.MethodNotAllowed m -> done(AdminResponse.error(405, "use " + m.allowed()));
        };
    }

    /**
     * Liveness: 200 while the process runs. A cluster node that cannot reach its store says "degraded: ..." with
     * status 200: its rooms go on, and restarting it would not bring the store back (docs/CLUSTER.md).
     */
    private AdminResponse health() {
        String degraded = cluster == null ? null : cluster.degraded();
        return AdminResponse.text(200, degraded == null ? "ok\n" : "degraded: " + degraded + "\n");
    }

    private AdminResponse ready() {
        if (stopping.getAsBoolean()) {
            return AdminResponse.text(503, "stopping\n");
        }
        if (core.isDraining()) {
            return AdminResponse.text(503, "draining\n");
        }
        String degraded = cluster == null ? null : cluster.degraded();
        return AdminResponse.text(200, degraded == null ? "ready\n" : "ready, degraded: " + degraded + "\n");
    }

    private static AdminResponse notClustered() {
        return AdminResponse.error(404, "this relay is not in a cluster (serve --cluster redis://HOST:PORT)");
    }

    /** {@code GET /api/cluster/lookup?room=NAME}: where a client should go for the room. */
    private CompletableFuture<AdminResponse> lookup(String room) {
        if (cluster == null) {
            return done(notClustered());
        }
        if (room == null || room.isEmpty()) {
            return done(AdminResponse.error(400, "name the room: /api/cluster/lookup?room=NAME"));
        }
        return query(cluster.lookup(room).thenApply(l -> AdminResponse.ok(JsonSupport.object()
                .put("room", l.room())
                .put("here", l.here())
                .put("owned", l.owned())
                .put("node", l.node())
                .put("epoch", l.epoch())
                .put("ws", l.ws())
                .put("quic", l.quic())
                .put("quicPin", l.quicPin()))));
    }

    private static AdminResponse nodes(List<NodeRecord> nodes) {
        ObjectNode out = JsonSupport.object().put("nodeCount", nodes.size());
        ArrayNode list = out.putArray("nodes");
        nodes.stream().sorted(Comparator.comparing(NodeRecord::id)).forEach(n -> list.add(JsonSupport.object()
                .put("id", n.id())
                .put("ws", n.ws())
                .put("quic", n.quic())
                .put("quicPin", n.quicPin())
                .put("admin", n.admin())
                .put("state", n.state())
                .put("participants", n.participants())
                .put("rooms", n.rooms())
                .put("bootEpoch", n.bootEpoch())
                .put("ttlMillis", n.ttlMillis())));
        return AdminResponse.ok(out);
    }

    private AdminResponse rooms(List<RoomInfo> rooms) {
        ObjectNode out = JsonSupport.object().put("roomCount", rooms.size());
        ArrayNode list = out.putArray("rooms");
        rooms.stream().sorted(Comparator.comparing(RoomInfo::name))
                .forEach(r -> list.add(RoomJson.room(r, core.shardIndex(r.name()))));
        return AdminResponse.ok(out);
    }

    private AdminResponse kick(AdminRoute.Kick k) {
        if (!core.evict(k.room(), k.participantId(), ErrorCodes.KICKED, "removed by the relay's operator")) {
            return AdminResponse.error(404, "no participant " + k.participantId() + " in room '" + k.room() + "'");
        }
        LOG.info("event=kick room={} participant={}", k.room(), k.participantId());
        return AdminResponse.ok(JsonSupport.object()
                .put("room", k.room()).put("participant", k.participantId()).put("kicked", true));
    }

    private AdminResponse drain(AdminRoute.Drain d) {
        if (clusterDrain != null) {
            return clusterDrain(d);
        }
        if (d.deadline() != null) {
            return AdminResponse.error(400, "?deadline= is for cluster nodes: a single relay drains until it is "
                    + "stopped (docs/OPERATIONS.md)");
        }
        if (d.start() && !core.isDraining()) {
            core.drain();
            LOG.info("event=draining: new joins are refused, running rooms go on");
        }
        return AdminResponse.ok(JsonSupport.object().put("draining", core.isDraining()));
    }

    /** A cluster node hands its rooms over and stops within the deadline (docs/CLUSTER.md "Drain"). */
    private AdminResponse clusterDrain(AdminRoute.Drain d) {
        if (d.start()) {
            Duration deadline = ClusterDrain.DEFAULT_DEADLINE;
            if (d.deadline() != null) {
                try {
                    deadline = Units.parseDuration(d.deadline());
                } catch (IllegalArgumentException e) {
                    return AdminResponse.error(400, "deadline: " + e.getMessage());
                }
            }
            try {
                clusterDrain.start(deadline);
            } catch (IllegalArgumentException e) {
                return AdminResponse.error(400, e.getMessage());
            }
        }
        return AdminResponse.ok(JsonSupport.object().put("draining", clusterDrain.isDraining())
                .put("sessions", core.sessionCount()));
    }

    private static CompletableFuture<AdminResponse> query(CompletableFuture<AdminResponse> answer) {
        return answer.orTimeout(QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS).exceptionally(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            return cause instanceof TimeoutException
                    ? AdminResponse.error(503, "the relay did not answer within " + QUERY_TIMEOUT_SECONDS + " s")
                    : AdminResponse.error(503, "the relay could not answer: " + cause.getMessage());
        });
    }

    private static CompletableFuture<AdminResponse> done(AdminResponse r) {
        return CompletableFuture.completedFuture(r);
    }
}
