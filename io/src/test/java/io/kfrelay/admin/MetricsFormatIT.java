package io.kfrelay.admin;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: /metrics answers the Prometheus text format by default and OpenMetrics when the scraper's Accept header asks
 * for it, each with its exact Content-Type, with no admin token needed either way; scrapes taken while media flows
 * are each consistent (a histogram's buckets never fall, its +Inf bucket is its count; counters never go back).
 */
@Timeout(60)
class MetricsFormatIT {
    private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
    private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    @Test
    void theAcceptHeaderPicksTheFormatAndTheTokenIsStillNotNeeded() throws Exception {
        try (AdminRelay relay = AdminRelay.start(RelayConfig.defaults(), "an-admin-token-of-32-characters")) {
            AdminHttp anonymous = relay.admin.withToken(null);
            HttpResponse<String> plain = anonymous.get("/metrics");
            assertEquals(200, plain.statusCode());
            assertEquals(PROMETHEUS, plain.headers().firstValue("content-type").orElse(""));
            assertTrue(plain.body().contains("# TYPE kfrelay_joins_total counter\n"), "Prometheus text");

            HttpResponse<String> om = anonymous.get("/metrics", "Accept",
                    "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.2,*/*;q=0.1");
            assertEquals(200, om.statusCode());
            assertEquals(OPENMETRICS, om.headers().firstValue("content-type").orElse(""));
            assertTrue(om.body().contains("# TYPE kfrelay_joins counter\n"), "OpenMetrics names counters without _total");
            assertTrue(om.body().contains("\nkfrelay_joins_total 0.0\n"), "and keeps _total on the sample");
            assertTrue(om.body().endsWith("# EOF\n"));

            HttpResponse<String> text = anonymous.get("/metrics", "Accept", "text/plain");
            assertEquals(PROMETHEUS, text.headers().firstValue("content-type").orElse(""));
            assertEquals(401, anonymous.get("/api/rooms", "Accept", "application/openmetrics-text").statusCode(),
                    "the API still needs the token");
        }
    }

    @Test
    void scrapesWhileMediaFlowsAreConsistent() throws Exception {
        try (AdminRelay relay = AdminRelay.start(RelayConfig.defaults())) {
            KfRelayClient publisher = relay.join("stage", "publisher", new MediaCount());
            AtomicBoolean stop = new AtomicBoolean();
            Thread load = Thread.ofPlatform().start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    publisher.publishFrame(1, Protocol.KIND_VIDEO, i % 30 == 0, new byte[600], i * 3000L);
                    try {
                        if (i % 10 == 9) {
                            relay.join("stage", "viewer-" + i, new MediaCount()); // late joiners: replays
                        }
                        Thread.sleep(2);
                    } catch (Exception e) {
                        return;
                    }
                    if (i > 300) {
                        return;
                    }
                }
            });
            List<Scrape> scrapes = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < deadline && load.isAlive()) {
                scrapes.add(relay.scrape());
            }
            stop.set(true);
            load.join();
            scrapes.add(relay.scrape());
            long previousIngress = -1;
            for (Scrape s : scrapes) {
                for (String h : new String[]{"kfrelay_replay_duration_seconds", "kfrelay_event_loop_lag_seconds"}) {
                    long last = -1;
                    for (var e : s.samples().entrySet()) {
                        if (e.getKey().startsWith(h + "_bucket{")) {
                            long v = Math.round(e.getValue());
                            assertTrue(v >= last, h + " buckets are cumulative: " + e.getKey());
                            last = v;
                        }
                    }
                    assertEquals(s.value(h + "_bucket{le=\"+Inf\"}"), s.value(h + "_count"), h + " +Inf is its count");
                }
                long ingress = s.value("kfrelay_core_ingress_packets_total");
                assertTrue(ingress >= previousIngress, "counters never go back");
                previousIngress = ingress;
            }
            assertTrue(scrapes.size() > 3, "scraped " + scrapes.size() + " times");
            assertTrue(scrapes.getLast().value("kfrelay_replays_total") > 0, "late joiners were replayed");
        }
    }
}
