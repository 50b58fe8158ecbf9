package io.kfrelay.perf;

import io.kfrelay.perf.load.RunCounters;
import io.kfrelay.perf.media.KeyframeDelay;
import io.kfrelay.perf.os.ClockTicks;
import io.kfrelay.perf.os.GcPauses;
import io.kfrelay.perf.os.MetricsEndpoint;
import io.kfrelay.perf.os.ProcStatus;
import io.kfrelay.perf.os.RelayProcess;
import io.kfrelay.perf.report.HtmlReport;
import io.kfrelay.perf.report.LatencySummary;
import io.kfrelay.perf.report.ReportJson;
import io.kfrelay.perf.report.RunReport;
import io.kfrelay.perf.report.SaturationHint;
import io.kfrelay.perf.report.StepResult;
import io.kfrelay.perf.scenario.Knee;
import io.kfrelay.perf.scenario.Saturation;
import io.kfrelay.perf.scenario.Scenario;
import io.kfrelay.perf.scenario.StepSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One perf run from start to report: relay up, steps measured, everything down, JSON and HTML written. */
final class PerfRun {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    private PerfRun() {
    }

    static int run(PerfOptions o, PrintStream out) throws Exception {
        Instant startedAt = Instant.now();
        long t0 = System.nanoTime();
        Scenario scenario = Scenario.named(o.scenario());
        List<StepSpec> plan = scenario.plan(o);
        Path json = o.out() != null ? o.out()
                : o.home().resolve("perf-tests/results").resolve(scenario.name() + "-" + STAMP.format(startedAt) + ".json");
        String base = json.toString().endsWith(".json") ? json.toString().substring(0, json.toString().length() - 5)
                : json.toString();
        Path html = Path.of(base + ".html");
        Path relayLog = Path.of(base + ".relay.log");
        Path gcLog = Path.of(base + ".relay-gc.log");
        Files.createDirectories(json.toAbsolutePath().getParent());
        Path launcher = o.home().resolve("kfrelay");
        List<String> notes = new ArrayList<>();

        ServeArgs serve = ServeArgs.plan(RelayProcess.serveHelp(launcher, START_TIMEOUT), o.transport(),
                maxRoomSize(plan), freeTcpPort(), freeUdpPort());
        if (serve.error() != null) {
            System.err.println("kfrelay perf: " + serve.error());
            return 2;
        }
        List<String> serveArgs = new ArrayList<>(serve.args());
        notes.addAll(serve.notes());
        URI quicUrl = serve.quicUrl();
        MetricsEndpoint metrics = serve.metricsUrl() == null ? null : new MetricsEndpoint(serve.metricsUrl());
        serveArgs.addAll(scenario.relayArgs());
        serveArgs.addAll(o.relayArgs());
        String javaOpts = (System.getenv().getOrDefault("KFRELAY_JAVA_OPTS", "") + " " + GcPauses.jvmOption(gcLog)).trim();
        Duration lifetime = plan.stream().map(s -> s.warmup().plus(s.window()).plusSeconds(15))
                .reduce(Duration.ofMinutes(5), Duration::plus);

        out.printf("kfrelay perf %s%s: %s%n", scenario.name(), o.quick() ? " (quick)" : "", scenario.description());
        RelayProcess relay = RelayProcess.start(o.pinning().relayCommandPrefix(), launcher, serveArgs, javaOpts, "ws",
                relayLog, lifetime, START_TIMEOUT);
        Thread cleanup = new Thread(relay::close, "perf-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        URI url = quicUrl != null ? quicUrl : relay.url();
        long ticks = ClockTicks.perSecond();
        out.printf("relay pid %d at %s; harness: %d receiving threads + 1 publisher + 1 late-joiner thread; steps: %s%n", relay.pid(), url, o.clientThreads(),
                plan.stream().map(StepSpec::label).toList());

        List<StepResult> results = new ArrayList<>();
        long peakRss = -1;
        GcPauses.Summary gc;
        Map<String, Object> problems;
        boolean sawCache;
        int clients;
        KeyframeDelay keyframeDelay = o.keyframeDelay() != null ? o.keyframeDelay() : scenario.defaultKeyframeDelay();
        try (LoadRun run = new LoadRun(o, url, relay.pid(), ticks, gcLog, metrics, keyframeDelay,
                System.nanoTime() + lifetime.toNanos())) {
            Duration warmUp = o.quick() ? Duration.ofSeconds(2) : Duration.ofSeconds(5);
            try {
                run.warmUp(warmUp);
            } catch (IOException e) {
                notes.add("warm-up failed: " + e.getMessage());
            }
            for (StepSpec step : plan) {
                try {
                    scenario.apply(step, run);
                    StepResult r = run.measure(scenario, step);
                    results.add(r);
                    out.println(line(r));
                    if (r.scenarioResults() != null) {
                        out.println(scenarioLine(r.scenarioResults()));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    notes.add("interrupted at step " + step.label());
                    break;
                } catch (Exception e) {
                    // Whatever broke, the steps measured so far still make a report.
                    notes.add("stopped at step " + step.label() + ": " + e);
                    System.err.println("kfrelay perf: step " + step.label() + " failed: " + e);
                    break;
                }
                if (!relay.isAlive()) {
                    notes.add("the relay exited during the run; see " + relay.log());
                    break;
                }
                if (scenario.stopAfter(results, o)) {
                    break;
                }
            }
            if (relay.isAlive()) {
                peakRss = ProcStatus.read(relay.pid()).peakRssBytes();
            }
            gc = GcPauses.Summary.of(GcPauses.read(gcLog));
            problems = problems(run.counters());
            sawCache = run.sawCacheGauge();
            clients = run.clientCount();
        } finally {
            relay.close();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running anyway
            }
        }
        if (metrics != null && !sawCache) {
            notes.add("offheap_cache_bytes is null: " + metrics.url() + " answered with no *cache*bytes* metric");
        }
        if ((long) problems.get("errors") + (long) problems.get("unexpected_closes") > 0) {
            notes.add("clients saw errors or were disconnected: see client_problems");
        }
        if (o.quick()) {
            notes.add("quick run: few small steps and short windows; figures are indicative only");
        }
        if (scenario.lossFromGaps()) {
            notes.add("loss_ratio and expected_packets come from sequence gaps: receivers get one simulcast layer at a "
                    + "time, each layer's sequence checked from the LAYER message that started it");
        }
        if (!results.isEmpty() && results.getFirst().scenarioResults() != null
                && results.getFirst().scenarioResults().containsKey("relay_layer_switches")
                && results.stream().allMatch(r -> r.scenarioResults().get("relay_layer_switches") == null)) {
            notes.add("relay_layer_switches is null: the relay's /metrics has no kfrelay_layer_switch* metric (or no "
                    + "/metrics); the switch figures are the harness's own (from cache = the new layer's keyframe "
                    + "arrived replayed)");
        }
        for (StepResult r : results) {
            String hint = SaturationHint.of(r);
            if (hint != null) {
                notes.add(r.label() + ": " + hint);
            }
        }

        Knee knee = scenario instanceof Saturation ? Knee.find(results, o.lossLimit(), o.p99LimitMs() * 1000) : null;
        int headline = results.isEmpty() ? 0 : scenario.headline(results, o);
        RunReport report = new RunReport(scenario.name(), scenario.description(), o.quick(), o.transport(), startedAt,
                (System.nanoTime() - t0) / 1e9, setup(o, relay, javaOpts, metrics, ticks, clients, plan, keyframeDelay),
                results,
                headline, knee, gc, peakRss, problems, notes);
        String text = ReportJson.write(ReportJson.toMap(report));
        Files.writeString(json, text);
        Files.writeString(html, HtmlReport.render(report, text, Runtime.getRuntime().availableProcessors()));
        out.printf("results: %s%n         %s%n         (relay log %s, GC log %s)%n", rel(o, json), rel(o, html),
                rel(o, relayLog), rel(o, gcLog));
        return results.isEmpty() ? 1 : 0;
    }

    /** The most members any room of the plan gets: its largest step plus publishers, watchers and late joiners. */
    private static int maxRoomSize(List<StepSpec> plan) {
        return plan.stream().mapToInt(StepSpec::count).max().orElse(0) + 64;
    }

    private static String line(StepResult r) {
        LatencySummary l = r.latencyUs();
        String lat = l == null ? "no samples" : String.format(Locale.ROOT, "p50 %.0f p99 %.0f p99.9 %.0f max %.0f us",
                l.p50(), l.p99(), l.p999(), l.max());
        String late = r.lateJoinUs() == null ? "" : String.format(Locale.ROOT, ", late join p50 %.1f p99 %.1f ms (%d, %d incomplete)",
                r.lateJoinUs().p50() / 1000, r.lateJoinUs().p99() / 1000, r.lateJoinUs().count(), r.lateJoinIncomplete());
        if (r.setupLateJoinUs() != null) {
            late += String.format(Locale.ROOT, ", set-up joins p50 %.0f p99 %.0f ms (%d)", r.setupLateJoinUs().p50() / 1000,
                    r.setupLateJoinUs().p99() / 1000, r.setupLateJoinUs().count());
        }
        String perReceiver = r.receivers() == 0 ? "" : String.format(Locale.ROOT, " (%d receivers, %,.0f pkt/s and %.2f MB/s "
                + "each)", r.receivers(), r.egressPpsPerReceiver(), r.egressBytesPerSecondPerReceiver() / 1e6);
        if (r.relayEgressBytesPerSecond() != null) {
            perReceiver += String.format(Locale.ROOT, "; relay egress %,.0f pkt/s %.1f MB/s",
                    r.relayEgressPps() == null ? Double.NaN : r.relayEgressPps(), r.relayEgressBytesPerSecond() / 1e6);
        }
        return String.format(Locale.ROOT, "  %-18s egress %,.0f pkt/s (%.1f MB/s, offered %,.0f)%s, loss %.4f, %s; relay "
                        + "%.1f us/pkt, %.2f cores%s; harness %.2f cores; machine %.0f%% busy; GC %d pauses max %.1f ms; "
                        + "RSS %.0f MiB%s",
                r.label(), r.egressPps(), r.egressBytesPerSecond() / 1e6, r.offeredEgressPps(), perReceiver, r.lossRatio(), lat,
                r.relayCpuUsPerEgressPacket(), r.relayCpuCores(),
                r.relayRunqueueWaitPerCpu() == null ? "" : String.format(Locale.ROOT, " (waited %.2f s for a CPU per "
                        + "CPU-second)", r.relayRunqueueWaitPerCpu()),
                r.harnessCpuCores(), r.machineBusyRatio() * 100,
                r.relayGc().count(), r.relayGc().maxMs(), r.relayRssBytes() / 1048576.0, late);
    }

    /** The scenario's own latency-like figures (maps with p50/p99), one line. */
    @SuppressWarnings("unchecked")
    private static String scenarioLine(Map<String, Object> results) {
        StringBuilder b = new StringBuilder("  ");
        results.forEach((k, v) -> {
            if (v instanceof Map<?, ?> m && m.get("p50") instanceof Double p50 && m.get("p99") instanceof Double p99) {
                b.append(String.format(Locale.ROOT, "%s p50 %.1f p99 %.1f (%s); ", k, p50, p99, m.get("count")));
            } else if (v instanceof Map<?, ?> m && !m.isEmpty() && !(m.values().iterator().next() instanceof Map)) {
                b.append(k).append(' ').append(m).append("; ");
            }
        });
        return b.toString();
    }

    private static Map<String, Object> problems(RunCounters c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("errors", c.errors());
        m.put("unexpected_closes", c.unexpectedCloses());
        m.put("connect_failures", c.connectFailures());
        m.put("join_failures", c.joinFailures());
        m.put("first_errors", c.firstErrors());
        return m;
    }

    private static Map<String, Object> setup(PerfOptions o, RelayProcess relay, String javaOpts, MetricsEndpoint metrics,
                                             long ticks, int clients, List<StepSpec> plan, KeyframeDelay keyframeDelay) {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("clk_tck", ticks);
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("loadavg_at_end", readOrNull(Path.of("/proc/loadavg")));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("pid", relay.pid());
        r.put("url", relay.url().toString());
        r.put("command", relay.command());
        r.put("java_opts", javaOpts);
        r.put("metrics_url", metrics == null ? null : metrics.url().toString());
        r.put("log", relay.log().toString());
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("pid", ProcessHandle.current().pid());
        h.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        h.put("jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments());
        h.put("client_threads", o.clientThreads());
        h.put("cpus", o.pinning().harnessCpus()); // null: not pinned (the relay's pinning is in its command)
        h.put("clients", clients);
        h.put("transport", o.transport());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("steps", plan.stream().map(StepSpec::label).toList());
        p.put("run_warmup_s", o.quick() ? 2 : 5);
        p.put("step_warmup_s", plan.isEmpty() ? null : plan.getFirst().warmup().toMillis() / 1000.0);
        p.put("window_s", plan.isEmpty() ? null : plan.getLast().window().toMillis() / 1000.0);
        p.put("p99_limit_ms", o.p99LimitMs());
        p.put("loss_limit", o.lossLimit());
        p.put("pacing", o.pacing().describe());
        p.put("keyframe_delay_ms", keyframeDelay.describeMillis());
        p.put("subscribe_to", o.subscribeTo());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("machine", machine);
        m.put("relay", r);
        m.put("harness", h);
        m.put("plan", p);
        return m;
    }

    private static String readOrNull(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return null;
        }
    }

    private static String rel(PerfOptions o, Path p) {
        Path abs = p.toAbsolutePath();
        return abs.startsWith(o.home()) ? o.home().relativize(abs).toString() : abs.toString();
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
