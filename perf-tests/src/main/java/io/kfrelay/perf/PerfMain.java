package io.kfrelay.perf;

import io.kfrelay.perf.media.KeyframeDelay;
import io.kfrelay.perf.media.Pacing;
import io.kfrelay.perf.os.CpuPinning;
import io.kfrelay.perf.scenario.Scenario;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ./kfrelay perf SCENARIO [options] [-- SERVE_OPTIONS...]}: the end-to-end load harness. */
@Command(name = "kfrelay perf", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = {"Starts a relay (./kfrelay serve, its own JVM) and real clients on loopback, measures, and "
                + "writes a JSON report and an HTML report with charts under perf-tests/results/.",
                "Scenarios: large-room, meeting, join-storm, saturation, simulcast; cascade (a Redis and three relays: "
                        + "origin and two edges)."},
        footer = {"", "Everything after -- goes to `kfrelay serve` (e.g. -- --cache-mode gop --shards 2).",
                "KFRELAY_JAVA_OPTS reaches the relay JVM (a GC log option is added); KFRELAY_PERF_JAVA_OPTS the harness."})
public final class PerfMain implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SCENARIO",
            description = "large-room, meeting, join-storm, saturation, simulcast or cascade")
    String scenario;

    @Parameters(index = "1..*", paramLabel = "SERVE_OPTION", description = "after --: extra kfrelay serve options")
    List<String> relayArgs = new ArrayList<>();

    @Option(names = "--transport", paramLabel = "ws|quic", defaultValue = "ws",
            description = "How the load clients reach the relay.")
    String transport;

    @Option(names = "--subscribers", paramLabel = "N",
            description = "Run one step of this size instead of the scenario's steps (subscribers; participants in "
                    + "meeting; joiners in join-storm; receivers in simulcast).")
    Integer subscribers;

    @Option(names = "--duration", paramLabel = "D", description = "Measuring window per step (default 10s; 3s with --quick).")
    String duration;

    @Option(names = "--quick", description = "Few small steps, short windows: finishes in under a minute.")
    boolean quick;

    @Option(names = "--out", paramLabel = "FILE.json",
            description = "Where the JSON goes (the HTML and logs beside it); default perf-tests/results/SCENARIO-TIME.json.")
    Path out;

    @Option(names = "--client-threads", paramLabel = "N", defaultValue = "0",
            description = "Receiving client I/O threads in the harness (one more runs the publishers); 0 means one "
                    + "per available processor.")
    int clientThreads;

    @Option(names = "--pacing", paramLabel = "off|MULTIPLIER", defaultValue = "off",
            description = "How publishers send video: off = each frame as one burst (a 200 KB keyframe is 171 packets "
                    + "at once, the worst case), or paced like libwebrtc at MULTIPLIER x the bitrate (libwebrtc: 2.5), "
                    + "each packet stamped as it leaves.")
    String pacing;

    @Option(names = "--relay-cpus", paramLabel = "LIST",
            description = "Run the relay on these CPUs only (taskset -c LIST, e.g. 0 or 2-3); its JVM sizes itself to them.")
    String relayCpus;

    @Option(names = "--harness-cpus", paramLabel = "LIST",
            description = "Run the harness (the load generator) on these CPUs only, e.g. 1: keeps it off the relay's.")
    String harnessCpus;

    @Option(names = "--p99-limit", paramLabel = "D", defaultValue = "50ms",
            description = "saturation: a step whose p99 latency exceeds this is past the knee.")
    String p99Limit;

    @Option(names = "--loss-limit", paramLabel = "RATIO", defaultValue = "0.01",
            description = "saturation: a step losing more than this share of packets is past the knee.")
    double lossLimit;

    @Option(names = "--subscribe-to", paramLabel = "K",
            description = "meeting: every participant joins with MANUAL_SUBSCRIBE and subscribes to everyone's audio but "
                    + "only K of the others' cameras (default: everyone receives everything, no manual subscription).")
    Integer subscribeTo;

    @Option(names = "--keyframe-delay", paramLabel = "D|MIN..MAX",
            description = "How long publishers take to answer a KEYFRAME_REQUEST (an encoder's delay): the keyframe is "
                    + "the first frame at least this long after the request, uniform in MIN..MAX (e.g. 30ms..100ms). "
                    + "Default: 0 (the next frame), and 30ms..100ms in simulcast.")
    String keyframeDelay;

    @Option(names = "--receivers", paramLabel = "N,M,...",
            description = "cascade: the receivers at the edges, one step per size, increasing (default 20,60; quick 10,20); "
                    + "the origin serves 4 more itself.")
    String receivers;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        PerfOptions o;
        boolean cascade = scenario.equals("cascade");
        io.kfrelay.perf.cluster.CascadePlan cascadePlan = null;
        try {
            if (cascade) {
                if (subscribers != null || !transport.equals("ws")) {
                    throw new IllegalArgumentException("cascade: use --receivers N,M (its clients speak WebSocket; "
                            + "the edges reach the origin over QUIC by themselves)");
                }
                cascadePlan = io.kfrelay.perf.cluster.CascadePlan.of(receivers,
                        duration == null ? null : PerfOptions.parseDuration(duration), quick);
            } else if (receivers != null) {
                throw new IllegalArgumentException("--receivers applies to the cascade scenario only");
            } else {
                Scenario.named(scenario);
            }
            CpuPinning pinning = new CpuPinning(relayCpus, harnessCpus);
            pinning.pinHarness(); // first: the default client threads below count the CPUs left to the harness
            o = new PerfOptions(scenario, transport, subscribers,
                    duration == null ? null : PerfOptions.parseDuration(duration), quick, out(),
                    clientThreads > 0 ? clientThreads : Runtime.getRuntime().availableProcessors(),
                    PerfOptions.parseDuration(p99Limit).toNanos() / 1e6, lossLimit, relayArgs, home(),
                    Pacing.parse(pacing), pinning, subscribeTo,
                    keyframeDelay == null ? null : KeyframeDelay.parse(keyframeDelay));
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("kfrelay perf: " + e.getMessage());
            return 2;
        }
        return cascade ? CascadeRun.run(o, cascadePlan, out) : PerfRun.run(o, out);
    }

    private Path out() {
        return out == null ? null : out.toAbsolutePath();
    }

    /** The checkout: set by the launcher (-Dkfrelay.home), else the working directory. */
    private static Path home() {
        String h = System.getProperty("kfrelay.home", System.getenv().getOrDefault("KFRELAY_HOME", "."));
        return Path.of(h).toAbsolutePath().normalize();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new PerfMain()).execute(args));
    }
}
