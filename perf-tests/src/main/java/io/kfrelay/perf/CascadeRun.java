package io.kfrelay.perf;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.perf.cluster.CascadePlan;
import io.kfrelay.perf.cluster.NodeFigures;
import io.kfrelay.perf.load.ClientLoops;
import io.kfrelay.perf.load.KeyframeWatch;
import io.kfrelay.perf.load.LateJoinTracker;
import io.kfrelay.perf.load.LoadClient;
import io.kfrelay.perf.load.MeasureWindow;
import io.kfrelay.perf.load.RunCounters;
import io.kfrelay.perf.load.SyntheticStream;
import io.kfrelay.perf.load.ThreadTally;
import io.kfrelay.perf.media.KeyframeDelay;
import io.kfrelay.perf.media.MediaProfile;
import io.kfrelay.perf.os.ClockTicks;
import io.kfrelay.perf.os.CpuSample;
import io.kfrelay.perf.os.GcPauses;
import io.kfrelay.perf.os.MachineStat;
import io.kfrelay.perf.os.MetricsEndpoint;
import io.kfrelay.perf.os.ProcStatus;
import io.kfrelay.perf.os.RedisServer;
import io.kfrelay.perf.os.RelayProcess;
import io.kfrelay.perf.report.LatencySummary;
import io.kfrelay.perf.report.ReportJson;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The {@code cascade} scenario from start to report (issue 15's measured part): a private Redis, three relays
 * ({@link CascadePlan}), a publisher at the origin that knows all three, receivers that ask the origin and are
 * redirected to the edges, per step each node's CPU and egress and the late joins at the origin and at an edge, then
 * the origin killed with SIGKILL and the time to the first picture at every receiver. Writes a JSON report (no HTML:
 * the figures are a few per node). Every process it starts is stopped at the end, also on failure, and each runs
 * under {@code timeout(1)} besides.
 */
final class CascadeRun {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration LATE_JOIN_WAIT = Duration.ofSeconds(5);
    private static final Duration FAILOVER_WAIT = Duration.ofSeconds(30);
    private static final int JOIN_BATCH = 8;
    static final String ROOM = "stage";

    /** One relay of the cluster. */
    private record Node(String id, RelayProcess relay, MetricsEndpoint metrics, Path gcLog) {
        String authority() {
            return relay.url().getAuthority();
        }
    }

    /** Late-join samples of one kind of joiner (at the origin, at an edge). */
    private static final class LateJoins implements LateJoinTracker.Sink {
        final Recorder us = new Recorder(1, ThreadTally.MAX_LATENCY_US, 3);
        final AtomicLongArray sources = new AtomicLongArray(KeyframeWatch.Source.values().length);
        int incomplete;
        int servedElsewhere;

        @Override
        public void lateJoin(long nanos, KeyframeWatch.Source source) {
            us.recordValue(Math.max(0, Math.min(nanos / 1000, ThreadTally.MAX_LATENCY_US)));
            sources.incrementAndGet(source.ordinal());
        }

        Map<String, Object> take() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ms", millis(us.getIntervalHistogram()));
            Map<String, Object> s = new LinkedHashMap<>();
            for (KeyframeWatch.Source src : KeyframeWatch.Source.values()) {
                s.put(src.name().toLowerCase(Locale.ROOT), sources.getAndSet(src.ordinal(), 0));
            }
            m.put("keyframe_source", s);
            m.put("incomplete", incomplete);
            m.put("served_elsewhere", servedElsewhere);
            incomplete = 0;
            servedElsewhere = 0;
            return m;
        }
    }

    private final PerfOptions o;
    private final CascadePlan plan;
    private final PrintStream out;
    private final long ticks = ClockTicks.perSecond();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<LoadClient> receivers = new CopyOnWriteArrayList<>();
    private final List<LoadClient> everyone = new CopyOnWriteArrayList<>();
    private final MeasureWindow window = new MeasureWindow();
    private final RunCounters counters = new RunCounters();
    private final Recorder joinUs = new Recorder(1, ThreadTally.MAX_LATENCY_US, 3);
    private final ClientOptions clientOptions = ClientOptions.builder().connectTimeout(Duration.ofSeconds(30)).build();
    private ClientLoops loops;
    private LoadClient publisher;

    private CascadeRun(PerfOptions o, CascadePlan plan, PrintStream out) {
        this.o = o;
        this.plan = plan;
        this.out = out;
    }

    static int run(PerfOptions o, CascadePlan plan, PrintStream out) throws Exception {
        return new CascadeRun(o, plan, out).run();
    }

    private int run() throws Exception {
        Instant startedAt = Instant.now();
        long t0 = System.nanoTime();
        Path json = o.out() != null ? o.out()
                : o.home().resolve("perf-tests/results").resolve("cascade-" + STAMP.format(startedAt) + ".json");
        String base = json.toString().endsWith(".json") ? json.toString().substring(0, json.toString().length() - 5)
                : json.toString();
        Files.createDirectories(json.toAbsolutePath().getParent());
        Path launcher = o.home().resolve("kfrelay");
        String help = RelayProcess.serveHelp(launcher, START_TIMEOUT);
        if (!help.contains("--cluster-max-receivers")) {
            System.err.println("kfrelay perf: this relay has no cascade (serve has no --cluster-max-receivers option)");
            return 2;
        }
        if (RedisServer.find(System.getenv("PATH")).isEmpty()) {
            System.err.println("kfrelay perf: redis-server is not on PATH: the cascade scenario runs its own Redis "
                    + "(apt-get install -y redis-server, or .ci/install-test-deps)");
            return 2;
        }
        Duration lifetime = plan.lifetime();
        out.printf("kfrelay perf cascade: %s%n", description());
        List<Map<String, Object>> steps = new ArrayList<>();
        Map<String, Object> failover = null;
        Map<String, Object> setup = new LinkedHashMap<>();
        RedisServer redis = null;
        Thread cleanup = new Thread(this::stopAll, "perf-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            redis = RedisServer.start(PerfRun.freeTcpPort(), Path.of(base + ".redis.log"), lifetime);
            RedisServer r = redis;
            Runtime.getRuntime().addShutdownHook(new Thread(r::close, "perf-cleanup-redis"));
            for (String id : CascadePlan.NODES) {
                ServeArgs serve = ServeArgs.plan(help, "quic", plan.largestRoom(), PerfRun.freeTcpPort(),
                        PerfRun.freeUdpPort());
                if (serve.error() != null || serve.metricsUrl() == null) {
                    System.err.println("kfrelay perf: " + (serve.error() != null ? serve.error()
                            : "this relay has no admin /metrics endpoint"));
                    return 2;
                }
                if (id.equals(CascadePlan.NODES.getFirst())) {
                    notes.addAll(serve.notes());
                }
                List<String> args = new ArrayList<>(serve.args());
                args.addAll(plan.nodeArgs(redis.uri(), id));
                args.addAll(o.relayArgs());
                Path gcLog = Path.of(base + "." + id + "-gc.log");
                String javaOpts = (System.getenv().getOrDefault("KFRELAY_JAVA_OPTS", "") + " "
                        + GcPauses.jvmOption(gcLog)).trim();
                RelayProcess relay = RelayProcess.start(o.pinning().relayCommandPrefix(), launcher, args, javaOpts, "ws",
                        Path.of(base + "." + id + ".log"), lifetime, START_TIMEOUT);
                nodes.put(id, new Node(id, relay, new MetricsEndpoint(serve.metricsUrl()), gcLog));
                setup.put(id, Map.of("pid", relay.pid(), "url", relay.url().toString(), "command", relay.command(),
                        "java_opts", javaOpts));
            }
            out.printf("redis at %s; relays %s%n", redis.uri(), nodes.values().stream()
                    .map(n -> n.id() + "=" + n.relay().url() + " (pid " + n.relay().pid() + ")").toList());
            LoadRun.sleep(plan.refresh().multipliedBy(3)); // every node registered and seen by the others
            loops = new ClientLoops(o.clientThreads(), System.nanoTime() + lifetime.toNanos());
            startPublisher();
            joinReceivers(origin().relay().url(), plan.originReceivers(), 0);
            for (int audience : plan.edgeAudiences()) {
                try {
                    joinReceivers(origin().relay().url(), plan.originReceivers() + audience - receivers.size(),
                            receivers.size());
                    Map<String, Object> step = measure(audience);
                    steps.add(step);
                } catch (IOException e) {
                    notes.add("stopped at step " + CascadePlan.label(audience) + ": " + e.getMessage());
                    System.err.println("kfrelay perf: step " + CascadePlan.label(audience) + " failed: " + e);
                    break;
                }
                if (nodes.values().stream().anyMatch(n -> !n.relay().isAlive())) {
                    notes.add("a relay exited during the run; see its log");
                    break;
                }
            }
            if (!steps.isEmpty() && steps.size() == plan.edgeAudiences().size()) {
                failover = failover();
            }
        } finally {
            stopAll();
            if (redis != null) {
                redis.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
        if (counters.errors() + counters.unexpectedCloses() > 0) {
            notes.add("clients saw errors or were disconnected: see client_problems");
        }
        if (o.quick()) {
            notes.add("quick run: small audiences and short windows; figures are indicative only");
        }
        notes.add("late joiners at the origin join without RECEIVE_ONLY (a participant that may publish is always "
                + "served at the origin, whatever its receiver limit); those at an edge join it directly with "
                + "RECEIVE_ONLY; each leaves once it has its picture");
        Map<String, Object> report = report(startedAt, (System.nanoTime() - t0) / 1e9, steps, failover, setup);
        Files.writeString(json, ReportJson.write(report));
        out.printf("results: %s%n         (relay logs %s.{a,b,c}.log, GC logs %s.{a,b,c}-gc.log)%n", json, base, base);
        return steps.isEmpty() ? 1 : 0;
    }

    private String description() {
        return "Redis + origin a and edges b, c (--cluster-max-receivers " + plan.originReceivers() + " at a, lease "
                + plan.lease().toMillis() + " ms, refresh " + plan.refresh().toMillis() + " ms); 1 publisher at a ("
                + "2.5 Mbps video + audio), " + plan.originReceivers() + " receivers at a, then receivers asking a and "
                + "redirected to the edges, " + plan.edgeAudiences() + " at the edges; " + plan.lateJoinersPerNode()
                + " late joiners at a and at the edge with the receivers per step; then a killed (SIGKILL)";
    }

    private Node origin() {
        return nodes.get(CascadePlan.NODES.getFirst());
    }

    private String nodeAt(LoadClient c) {
        String authority = c.url().getAuthority();
        return nodes.values().stream().filter(n -> n.authority().equals(authority)).map(Node::id).findFirst()
                .orElse(authority);
    }

    // ------------------------------------------------------------------ load

    /** The publisher: knows every node's URL (it reconnects to another one when it loses its relay), joins at a. */
    private void startPublisher() throws Exception {
        // Origin first; then c before b: the publisher's failover goes to the next relay it knows, c, while the
        // receivers the origin sends away land at b (the edge with room), so b's receivers time an edge following a
        // new origin (its link moving), the harder case, rather than an edge becoming the origin.
        List<URI> all = CascadePlan.PUBLISHER_ORDER.stream().map(id -> nodes.get(id).relay().url()).toList();
        publisher = LoadClient.connect(all, clientOptions, loops.publisherSlot(), "camera", window, counters)
                .get(JOIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        everyone.add(publisher);
        publisher.join(ROOM, 0, (nanos, source) -> { }, joinUs).get(JOIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (!nodeAt(publisher).equals(origin().id())) {
            throw new IOException("the publisher was served at " + nodeAt(publisher) + ", not at the origin a");
        }
        publisher.publish(MediaProfile.LARGE_ROOM, o.pacing(), KeyframeDelay.NEXT_FRAME);
        LoadRun.sleep(Duration.ofSeconds(1)); // its first keyframe cached at the origin before receivers come
    }

    /** {@code n} receivers (RECEIVE_ONLY) asking {@code url}, a few at a time; returns once all have JOINED. */
    private void joinReceivers(URI url, int n, int firstIndex) throws Exception {
        for (int done = 0; done < n; ) {
            int batch = Math.min(JOIN_BATCH, n - done);
            List<CompletableFuture<LoadClient>> joins = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                String identity = "viewer-" + (firstIndex + done + i);
                joins.add(LoadClient.connect(List.of(url), clientOptions, loops.next(), identity, window, counters)
                        .thenCompose(c -> {
                            everyone.add(c);
                            c.receiveOnly();
                            return c.join(ROOM, 0, (nanos, source) -> { }, joinUs).thenApply(j -> c);
                        }));
            }
            try {
                CompletableFuture.allOf(joins.toArray(CompletableFuture[]::new))
                        .get(JOIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                counters.joinFailed(e);
                throw new IOException("could not join " + n + " receivers at " + url + ": " + e, e);
            }
            joins.forEach(f -> receivers.add(f.join()));
            done += batch;
        }
    }

    // ------------------------------------------------------------------ measuring

    private Map<String, Object> measure(int audience) throws Exception {
        String label = CascadePlan.label(audience);
        LoadRun.sleep(plan.warmup());
        Map<String, Integer> placed = placement();
        loops.slots().forEach(s -> s.tally().takeLatencies());
        Map<String, Optional<Map<String, Double>>> metrics0 = scrapeAll();
        Map<String, CpuSample> cpu0 = new HashMap<>();
        for (Node n : nodes.values()) {
            cpu0.put(n.id(), CpuSample.read(n.relay().pid(), false));
        }
        CpuSample harness0 = CpuSample.read(ProcessHandle.current().pid(), false);
        MachineStat machine0 = MachineStat.read();
        Map<SyntheticStream, SyntheticStream.Counters> streams0 = streamCounters();
        Map<LoadClient, Long> delivered0 = new HashMap<>();
        receivers.forEach(c -> delivered0.put(c, c.windowDelivered()));
        LateJoins atOrigin = new LateJoins();
        LateJoins atEdge = new LateJoins();

        long start = System.nanoTime();
        window.open(start);
        long end = start + plan.window().toNanos();
        // At the edge that serves the receivers (it relays the room): an edge without receivers has no link, and
        // each late joiner there would time a new link's set-up instead.
        Node edge = nodes.get(placed.entrySet().stream().filter(e -> !e.getKey().equals(origin().id()))
                .max(Map.Entry.comparingByValue()).orElseThrow().getKey());
        lateJoins(label, start, end, edge, atOrigin, atEdge);
        sleepUntil(end);
        window.close(System.nanoTime());
        long closed = System.nanoTime();
        Map<String, CpuSample> cpu1 = new HashMap<>();
        for (Node n : nodes.values()) {
            cpu1.put(n.id(), CpuSample.read(n.relay().pid(), false));
        }
        CpuSample harness1 = CpuSample.read(ProcessHandle.current().pid(), false);
        MachineStat machine1 = MachineStat.read();
        Map<String, Optional<Map<String, Double>>> metrics1 = scrapeAll();
        LoadRun.sleep(Duration.ofSeconds(1)); // the window's last packets arrive

        double seconds = (closed - start) / 1e9;
        List<NodeFigures> figures = new ArrayList<>();
        for (Node n : nodes.values()) {
            Optional<Map<String, Double>> b = metrics0.get(n.id());
            Optional<Map<String, Double>> a = metrics1.get(n.id());
            figures.add(new NodeFigures(n.id(), n == origin() ? "origin" : "edge", placed.getOrDefault(n.id(), 0),
                    seconds, cpu1.get(n.id()).cpuSecondsSince(cpu0.get(n.id()), ticks),
                    NodeFigures.increase(b, a, "kfrelay_egress_packets_total"),
                    NodeFigures.increase(b, a, "kfrelay_egress_bytes_total"),
                    NodeFigures.increase(b, a, "kfrelay_ingress_packets_total"),
                    NodeFigures.increase(b, a, "kfrelay_cluster_cascade_packets_total"),
                    NodeFigures.gauge(a, "kfrelay_cluster_edges_served"), ProcStatus.read(n.relay().pid()).rssBytes()));
        }
        Histogram latency = new Histogram(1, ThreadTally.MAX_LATENCY_US, 3);
        loops.slots().forEach(s -> latency.add(s.tally().takeLatencies()));
        long sent = 0;
        long requested = 0;
        for (Map.Entry<SyntheticStream, SyntheticStream.Counters> e : streamCounters().entrySet()) {
            SyntheticStream.Counters d = e.getValue().minus(streams0.getOrDefault(e.getKey(), SyntheticStream.Counters.ZERO));
            sent += d.windowPackets();
            requested += d.requestedKeyframes();
        }
        long expected = sent * receivers.size();
        long delivered = receivers.stream().mapToLong(c -> c.windowDelivered() - delivered0.getOrDefault(c, 0L)).sum();
        window.reset();

        Map<String, Object> step = new LinkedHashMap<>();
        step.put("label", label);
        step.put("edge_receivers", audience);
        step.put("receivers_by_node", placed);
        step.put("window_s", seconds);
        step.put("nodes", figures.stream().map(NodeFigures::toJson).toList());
        step.put("expected_packets", expected);
        step.put("delivered_packets", delivered);
        step.put("loss_ratio", expected == 0 ? null : Math.max(0, 1 - (double) delivered / expected));
        step.put("latency_us", json(LatencySummary.of(latency)));
        step.put("late_join_origin", atOrigin.take());
        step.put("late_join_edge_node", edge.id());
        step.put("late_join_edge", atEdge.take());
        step.put("keyframes_requested_of_publisher", requested);
        step.put("harness_cpu_cores", harness1.coresSince(harness0, ticks));
        step.put("machine_cpu_busy_ratio", machine1.busyRatioSince(machine0));
        out.printf("  %s: receivers per node %s, loss %.4f, latency %s%n", label, placed,
                expected == 0 ? Double.NaN : Math.max(0, 1 - (double) delivered / expected), line(LatencySummary.of(latency)));
        figures.forEach(f -> out.println(f.line()));
        out.printf("    late join at the origin %s; at edge " + edge.id() + " %s; harness %.2f cores, machine %.0f%% busy%n",
                lateLine(step.get("late_join_origin")), lateLine(step.get("late_join_edge")),
                harness1.coresSince(harness0, ticks), machine1.busyRatioSince(machine0) * 100);
        return step;
    }

    /**
     * Late joiners one at a time, alternating origin and {@code edge}, evenly over the first 80 % of the window: each
     * connects, JOINs (timed from here to its first complete keyframe), waits for its picture (at most 5 s) and
     * leaves.
     */
    private void lateJoins(String label, long start, long end, Node edge, LateJoins atOrigin, LateJoins atEdge) {
        int total = 2 * plan.lateJoinersPerNode();
        long spacing = (long) ((end - start) * 0.8 / total);
        for (int i = 0; i < total; i++) {
            sleepUntil(start + i * spacing);
            if (System.nanoTime() - end > 0) {
                break;
            }
            boolean toOrigin = i % 2 == 0;
            Node at = toOrigin ? origin() : edge;
            LateJoins sink = toOrigin ? atOrigin : atEdge;
            LoadClient c = null;
            try {
                c = LoadClient.connect(List.of(at.relay().url()), clientOptions, loops.lateJoinerSlot(),
                        "late-" + label + "-" + i, window, counters).get(10, TimeUnit.SECONDS);
                c.setMeasured(false);
                if (!toOrigin) {
                    c.receiveOnly();
                }
                c.join(ROOM, 1, sink, joinUs).get(10, TimeUnit.SECONDS);
                if (!nodeAt(c).equals(at.id())) {
                    sink.servedElsewhere++;
                }
                long deadline = System.nanoTime() + LATE_JOIN_WAIT.toNanos();
                while (c.lateJoinPending() > 0 && System.nanoTime() - deadline < 0) {
                    LoadRun.sleep(Duration.ofMillis(5));
                }
                if (c.lateJoinPending() > 0) {
                    sink.incomplete++;
                }
            } catch (Exception e) {
                counters.joinFailed(e);
                sink.incomplete++;
            } finally {
                if (c != null) {
                    try {
                        c.close().get(5, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        // best effort: it has its figure
                    }
                }
            }
        }
    }

    /**
     * Kills the origin (SIGKILL) and times, for every receiver, the kill to the first complete keyframe of the
     * publisher's new session ({@link io.kfrelay.perf.load.FailoverWatch}), by the node it was at (the edge that
     * became the origin, the other edge, or the killed origin, whose receivers reconnect elsewhere).
     */
    private Map<String, Object> failover() {
        Map<LoadClient, String> before = new HashMap<>();
        receivers.forEach(c -> before.put(c, nodeAt(c)));
        Map<String, Recorder> byNode = new LinkedHashMap<>();
        CascadePlan.NODES.forEach(id -> byNode.put(id, new Recorder(1, ThreadTally.MAX_LATENCY_US, 3)));
        Recorder edges = new Recorder(1, ThreadTally.MAX_LATENCY_US, 3);
        long killAt = System.nanoTime() + Duration.ofMillis(200).toNanos(); // every watch armed before the kill
        for (LoadClient c : receivers) {
            Recorder r = byNode.get(before.get(c));
            boolean atEdge = !before.get(c).equals(origin().id());
            c.watchForPicture(killAt, (nanos, source) -> {
                long us = Math.max(0, Math.min(nanos / 1000, ThreadTally.MAX_LATENCY_US));
                if (r != null) {
                    r.recordValue(us);
                }
                if (atEdge) {
                    edges.recordValue(us);
                }
            });
        }
        sleepUntil(killAt);
        origin().relay().kill();
        out.printf("  killed the origin a (pid %d) with SIGKILL%n", origin().relay().pid());
        long deadline = killAt + FAILOVER_WAIT.toNanos();
        while (System.nanoTime() - deadline < 0 && !receivers.stream().allMatch(LoadClient::sawPictureAgain)) {
            LoadRun.sleep(Duration.ofMillis(50));
        }
        String newOrigin = publisher.reconnectedTo();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lease_ms", plan.lease().toMillis());
        m.put("refresh_ms", plan.refresh().toMillis());
        m.put("new_origin", newOrigin);
        m.put("publisher_back_ms", newOrigin == null ? null : (publisher.reconnectedAtNanos() - killAt) / 1e6);
        m.put("kill_to_first_picture_at_edges_ms", millis(edges.getIntervalHistogram()));
        Map<String, Object> groups = new LinkedHashMap<>();
        for (Map.Entry<String, Recorder> e : byNode.entrySet()) {
            String id = e.getKey();
            long at = before.values().stream().filter(id::equals).count();
            long without = receivers.stream().filter(c -> before.get(c).equals(id) && !c.sawPictureAgain()).count();
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("role", id.equals(origin().id()) ? "killed origin (its receivers reconnect)"
                    : id.equals(newOrigin) ? "edge that became the origin" : "edge following the new origin");
            g.put("receivers", at);
            g.put("without_picture_after_" + FAILOVER_WAIT.toSeconds() + "s", without);
            g.put("kill_to_first_picture_ms", millis(e.getValue().getIntervalHistogram()));
            groups.put(id, g);
        }
        m.put("by_node_before_kill", groups);
        out.printf("  failover: publisher back at %s after %s ms; kill to first picture at edge receivers %s%n",
                newOrigin, m.get("publisher_back_ms"), m.get("kill_to_first_picture_at_edges_ms"));
        groups.forEach((id, g) -> out.printf("    %s: %s%n", id, g));
        return m;
    }

    private Map<String, Integer> placement() {
        Map<String, Integer> placed = new LinkedHashMap<>();
        CascadePlan.NODES.forEach(id -> placed.put(id, 0));
        receivers.forEach(c -> placed.merge(nodeAt(c), 1, Integer::sum));
        return placed;
    }

    private Map<String, Optional<Map<String, Double>>> scrapeAll() {
        Map<String, Optional<Map<String, Double>>> m = new HashMap<>();
        nodes.values().forEach(n -> m.put(n.id(), n.relay().isAlive() ? n.metrics().scrape() : Optional.empty()));
        return m;
    }

    private Map<SyntheticStream, SyntheticStream.Counters> streamCounters() {
        Map<SyntheticStream, SyntheticStream.Counters> m = new HashMap<>();
        publisher.streams().forEach(s -> m.put(s, s.counters()));
        return m;
    }

    // ------------------------------------------------------------------ report

    private Map<String, Object> report(Instant startedAt, double seconds, List<Map<String, Object>> steps,
                                       Map<String, Object> failover, Map<String, Object> relays) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("schema", ReportJson.SCHEMA);
        r.put("scenario", "cascade");
        r.put("description", description());
        r.put("started_at", startedAt.toString());
        r.put("duration_s", seconds);
        r.put("quick", o.quick());
        r.put("transport", "ws");
        r.put("origin_egress_by_step", byStep(steps, "a", "egress_pps"));
        r.put("origin_cpu_us_per_egress_packet_by_step", byStep(steps, "a", "cpu_us_per_egress_packet"));
        r.put("steps", steps);
        r.put("failover", failover);
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("machine", Map.of("cpus", Runtime.getRuntime().availableProcessors(), "clk_tck", ticks));
        setup.put("relays", relays);
        setup.put("harness", Map.of("client_threads", o.clientThreads(), "clients", everyone.size(),
                "pacing", o.pacing().describe()));
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("edge_audiences", plan.edgeAudiences());
        p.put("origin_receivers", plan.originReceivers());
        p.put("late_joiners_per_node", plan.lateJoinersPerNode());
        p.put("window_s", plan.window().toMillis() / 1000.0);
        p.put("warmup_s", plan.warmup().toMillis() / 1000.0);
        p.put("lease_ms", plan.lease().toMillis());
        p.put("refresh_ms", plan.refresh().toMillis());
        setup.put("plan", p);
        r.put("setup", setup);
        Map<String, Object> problems = new LinkedHashMap<>();
        problems.put("errors", counters.errors());
        problems.put("unexpected_closes", counters.unexpectedCloses());
        problems.put("connect_failures", counters.connectFailures());
        problems.put("join_failures", counters.joinFailures());
        problems.put("first_errors", counters.firstErrors());
        r.put("client_problems", problems);
        r.put("notes", notes);
        return r;
    }

    /** Label to a node's figure, per step. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> byStep(List<Map<String, Object>> steps, String node, String key) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map<String, Object> s : steps) {
            for (Map<String, Object> n : (List<Map<String, Object>>) s.get("nodes")) {
                if (node.equals(n.get("node"))) {
                    m.put((String) s.get("label"), n.get(key));
                }
            }
        }
        return m;
    }

    /** A histogram of microseconds as milliseconds, or null when empty. */
    private static Map<String, Object> millis(Histogram us) {
        LatencySummary l = LatencySummary.of(us);
        return l == null ? null : l.scaled(1e-3).toJson();
    }

    static Map<String, Object> json(LatencySummary l) {
        return l == null ? null : l.toJson();
    }

    private static String line(LatencySummary l) {
        return l == null ? "no samples" : String.format(Locale.ROOT, "p50 %.0f p99 %.0f max %.0f us (%d)",
                l.p50(), l.p99(), l.max(), l.count());
    }

    @SuppressWarnings("unchecked")
    private static String lateLine(Object lateJoins) {
        Map<String, Object> ms = lateJoins instanceof Map<?, ?> m ? (Map<String, Object>) m.get("ms") : null;
        return ms == null ? "no samples" : String.format(Locale.ROOT, "p50 %.1f p99 %.1f ms (%s)", ms.get("p50"),
                ms.get("p99"), ms.get("count"));
    }

    private static void sleepUntil(long deadline) {
        long wait = deadline - System.nanoTime();
        if (wait > 0) {
            LoadRun.sleep(Duration.ofNanos(wait));
        }
    }

    /** Closes every client and the client threads, stops every relay still running. Idempotent. */
    private synchronized void stopAll() {
        if (loops != null) {
            loops.stopPublishing();
            List<CompletableFuture<Void>> closing = everyone.stream().map(LoadClient::close).toList();
            try {
                CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // best effort: the loops go down below anyway
            }
            loops.close();
            loops = null;
        }
        nodes.values().forEach(n -> n.relay().close());
    }
}
