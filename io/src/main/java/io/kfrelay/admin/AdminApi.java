package io.kfrelay.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kfrelay.json.JsonSupport;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.room.RoomInfo;
import io.kfrelay.telemetry.MetricsRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    AdminApi(RelayCore core, MetricsRegistry metrics, BooleanSupplier stopping) {
        this.core = core;
        this.metrics = metrics;
        this.stopping = stopping;
    }

    CompletableFuture<AdminResponse> handle(AdminRoute route) {
        return switch (route) {
            case AdminRoute.Health h -> done(AdminResponse.text(200, "ok\n"));
            case AdminRoute.Ready r -> done(ready());
            case AdminRoute.Metrics m -> done(AdminResponse.metrics(metrics.scrape(m.accept())));
            case AdminRoute.Rooms r -> query(core.rooms().thenApply(this::rooms));
            case AdminRoute.Stats s -> done(AdminResponse.ok(StatsJson.stats(core)));
            case AdminRoute.Room r -> query(core.room(r.name()).thenApply(info -> info == null
                    ? AdminResponse.error(404, "no room '" + r.name() + "'")
                    : AdminResponse.ok(RoomJson.room(info, core.shardIndex(info.name())))));
            case AdminRoute.Kick k -> done(kick(k));
            case AdminRoute.Drain d -> done(drain(d.start()));
            case AdminRoute.NotFound n -> done(AdminResponse.error(404, "nothing at " + n.path()
                    + " (try /, /metrics, /healthz, /readyz, /api/rooms, /api/stats)"));
            case AdminRoute.MethodNotAllowed m -> done(AdminResponse.error(405, "use " + m.allowed()));
        };
    }

    private AdminResponse ready() {
        if (stopping.getAsBoolean()) {
            return AdminResponse.text(503, "stopping\n");
        }
        return core.isDraining() ? AdminResponse.text(503, "draining\n") : AdminResponse.text(200, "ready\n");
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

    private AdminResponse drain(boolean start) {
        if (start && !core.isDraining()) {
            core.drain();
            LOG.info("event=draining: new joins are refused, running rooms go on");
        }
        return AdminResponse.ok(JsonSupport.object().put("draining", core.isDraining()));
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
