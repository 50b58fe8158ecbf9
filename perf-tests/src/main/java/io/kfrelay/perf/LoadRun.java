package io.kfrelay.perf;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.QuicClientOptions;
import io.kfrelay.perf.load.ClientLoops;
import io.kfrelay.perf.load.KeyframeWatch;
import io.kfrelay.perf.load.LateJoinTracker;
import io.kfrelay.perf.load.LoadClient;
import io.kfrelay.perf.load.MeasureWindow;
import io.kfrelay.perf.load.Room;
import io.kfrelay.perf.load.RunCounters;
import io.kfrelay.perf.load.StreamChoice;
import io.kfrelay.perf.load.SyntheticStream;
import io.kfrelay.perf.load.ThreadTally;
import io.kfrelay.perf.media.KeyframeDelay;
import io.kfrelay.perf.media.MediaProfile;
import io.kfrelay.perf.media.SimulcastProfile;
import io.kfrelay.perf.os.CpuSample;
import io.kfrelay.perf.os.GcPauses;
import io.kfrelay.perf.os.MachineStat;
import io.kfrelay.perf.os.MetricsEndpoint;
import io.kfrelay.perf.os.ProcStatus;
import io.kfrelay.perf.os.RelayMetricsView;
import io.kfrelay.perf.report.LatencySummary;
import io.kfrelay.perf.report.StepResult;
import io.kfrelay.perf.scenario.Scenario;
import io.kfrelay.perf.scenario.StepSpec;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The load side of one run: creates clients for the scenario (bounded concurrency) and measures steps.
 *
 * <p>A step's window is an interval of <em>send</em> times ({@link MeasureWindow}). After it closes the harness
 * waits for the packets still in flight (the drain), then reads what arrived. Relay and harness CPU, machine
 * CPU, GC pauses and the relay's /metrics are read at the window's two ends.
 */
public final class LoadRun implements AutoCloseable {
    /** Connects (and joins) in flight at once while setting up: enough to be quick, few enough not to be a storm. */
    private static final int SETUP_CONCURRENCY = 32;
    private static final Duration DRAIN_QUIET = Duration.ofMillis(300);
    private static final Duration DRAIN_MAX = Duration.ofSeconds(3);
    private static final int TOP_THREADS = 6;
    private static final Duration KEYFRAME_SETTLE = Duration.ofSeconds(1);

    private final PerfOptions options;
    private final URI url;
    private final long relayPid;
    private final long harnessPid = ProcessHandle.current().pid();
    private final long ticksPerSecond;
    private final Path gcLog;
    private final MetricsEndpoint metrics;
    private final KeyframeDelay keyframeDelay;
    private final ClientLoops loops;
    /** Loopback only: a QUIC relay's self-signed certificate is accepted as is. */
    private final ClientOptions clientOptions = ClientOptions.builder().connectTimeout(Duration.ofSeconds(30))
            .quic(QuicClientOptions.defaults().withInsecure()).build();
    private final MeasureWindow window = new MeasureWindow();
    private final RunCounters counters = new RunCounters();
    private final Recorder lateJoinUs = new Recorder(1, ThreadTally.MAX_LATENCY_US, 3);
    private final Recorder joinUs = new Recorder(1, ThreadTally.MAX_LATENCY_US, 3);
    /** Late-join samples by {@link KeyframeWatch.Source}, since the last step. */
    private final AtomicLongArray lateJoinSources = new AtomicLongArray(KeyframeWatch.Source.values().length);
    private final LateJoinTracker.Sink lateJoins = (nanos, source) -> {
        lateJoinUs.recordValue(Math.max(0, Math.min(nanos / 1000, ThreadTally.MAX_LATENCY_US)));
        lateJoinSources.incrementAndGet(source.ordinal());
    };
    private final List<Room> rooms = new CopyOnWriteArrayList<>();
    private final List<LoadClient> clients = new CopyOnWriteArrayList<>();
    /** Clients that joined since the last step was measured: their late joins belong to the next step. */
    private final List<LoadClient> stepJoiners = new CopyOnWriteArrayList<>();
    private final Map<ClientLoops.Slot, long[]> tallyBase = new HashMap<>();
    private long offheapCacheBytesLast = -1;

    public LoadRun(PerfOptions options, URI url, long relayPid, long ticksPerSecond, Path gcLog, MetricsEndpoint metrics,
                   KeyframeDelay keyframeDelay, long stopAtNanos) {
        this.options = options;
        this.keyframeDelay = keyframeDelay;
        this.url = url;
        this.relayPid = relayPid;
        this.ticksPerSecond = ticksPerSecond;
        this.gcLog = gcLog;
        this.metrics = metrics;
        this.loops = new ClientLoops(options.clientThreads(), stopAtNanos);
    }

    public PerfOptions options() {
        return options;
    }

    public RunCounters counters() {
        return counters;
    }

    /** The measuring window (a packet or a switch counts when its send time lies in it). */
    public MeasureWindow measureWindow() {
        return window;
    }

    public int clientCount() {
        return clients.size();
    }

    // ------------------------------------------------------------------ building the load

    public Room room(String name) {
        Room r = new Room(name);
        rooms.add(r);
        return r;
    }

    /**
     * Connects, joins and starts publishing {@code profile}; returns once JOINED arrived. A publisher that
     * receives little runs on the harness's publisher thread; one that receives as much as anyone (a meeting
     * participant) on a receiving thread like the others.
     */
    public LoadClient joinPublisher(Room room, String identity, MediaProfile profile, int lateJoinStreams,
                                    boolean receivesLittle) throws IOException {
        return joinPublisher(room, identity, profile, lateJoinStreams, receivesLittle, null);
    }

    /**
     * {@link #joinPublisher(Room, String, MediaProfile, int, boolean)} for a participant that chooses what it receives
     * ({@code choice}; null receives everything).
     */
    public LoadClient joinPublisher(Room room, String identity, MediaProfile profile, int lateJoinStreams,
                                    boolean receivesLittle, StreamChoice choice) throws IOException {
        LoadClient c = joinMany(room, 1, identity, lateJoinStreams, false, receivesLittle,
                choice == null ? _ -> { } : l -> l.choose(choice)).getFirst();
        c.publish(profile, options.pacing(), keyframeDelay);
        return c;
    }

    /**
     * Connects, joins subscribed to nothing (on the publishers' thread), declares one simulcast source of
     * {@code profile} and starts publishing its layers; returns once they are publishing.
     */
    public LoadClient joinSimulcastPublisher(Room room, String identity, SimulcastProfile profile) throws IOException {
        LoadClient c = joinMany(room, 1, identity, 0, false, true, l -> l.choose(StreamChoice.NOTHING)).getFirst();
        try {
            c.publishSimulcast(profile, options.pacing(), keyframeDelay).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted declaring the simulcast source of " + identity, e);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            throw new IOException("the relay did not acknowledge the simulcast source of " + identity, e);
        }
        return c;
    }

    /**
     * Waits until publishers that just started have a complete keyframe at the relay, so that joiners after
     * this are late joiners to a filled cache (one joining with the first keyframe still in flight is gated
     * to the next live one, rightly, which is not what late join measures).
     */
    public void letFirstKeyframesSettle() {
        sleep(KEYFRAME_SETTLE);
    }

    /** Connects and joins {@code n} subscribers ({@code prefix + i}); returns once all have JOINED. */
    public List<LoadClient> joinMany(Room room, int n, String prefix, int lateJoinStreams) throws IOException {
        return joinMany(room, n, prefix, lateJoinStreams, true, false, _ -> { });
    }

    /** {@link #joinMany(Room, int, String, int)}, each client set up by {@code configure} before its JOIN. */
    public List<LoadClient> joinMany(Room room, int n, String prefix, int lateJoinStreams,
                                     Consumer<LoadClient> configure) throws IOException {
        return joinMany(room, n, prefix, lateJoinStreams, true, false, configure);
    }

    private List<LoadClient> joinMany(Room room, int n, String prefix, int lateJoinStreams, boolean numbered,
                                      boolean publisherSlot, Consumer<LoadClient> configure) throws IOException {
        return setUp(n, i -> LoadClient.connect(url, clientOptions, publisherSlot ? loops.publisherSlot() : loops.next(),
                        numbered ? prefix + i : prefix, window, counters)
                .thenCompose(c -> {
                    configure.accept(c);
                    room.add(c);
                    stepJoiners.add(c);
                    return c.join(room.name(), lateJoinStreams, lateJoins, joinUs).thenApply(j -> c);
                }), "join " + n + " clients to room '" + room.name() + "'");
    }

    /** Connects {@code n} clients without joining (the join storm's joiners). */
    public List<LoadClient> connectMany(int n, String prefix) throws IOException {
        return setUp(n, i -> LoadClient.connect(url, clientOptions, loops.next(), prefix + i, window, counters),
                "connect " + n + " clients");
    }

    /** Connects one late joiner that joins on its own (not joined yet), on the harness's late-joiner thread. */
    public LoadClient connectLateJoiner(String identity) throws IOException {
        return setUp(1, i -> LoadClient.connect(url, clientOptions, loops.lateJoinerSlot(), identity, window, counters),
                "connect late joiner " + identity).getFirst();
    }

    /** Closes {@code gone} (the relay sees them leave) and forgets them; waits at most 10 s. */
    public void leave(Room room, List<LoadClient> gone) throws IOException {
        try {
            closeAll(gone);
        } catch (Exception e) {
            throw new IOException("could not close " + gone.size() + " clients", e);
        } finally {
            room.removeAll(gone);
            clients.removeAll(gone);
        }
    }

    /** Sends JOIN now and returns at once; the answer and the late join are recorded when they come. */
    public void joinAsync(LoadClient c, Room room, int lateJoinStreams) {
        room.add(c);
        stepJoiners.add(c);
        c.join(room.name(), lateJoinStreams, lateJoins, joinUs).whenComplete((j, e) -> {
            if (e != null) {
                counters.joinFailed(e);
            }
        });
    }

    private interface Starter {
        CompletableFuture<LoadClient> start(int i);
    }

    private List<LoadClient> setUp(int n, Starter starter, String what) throws IOException {
        Semaphore inFlight = new Semaphore(SETUP_CONCURRENCY);
        List<CompletableFuture<LoadClient>> all = new ArrayList<>(n);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).plusMillis(50L * n).toNanos();
        try {
            for (int i = 0; i < n; i++) {
                if (!inFlight.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new IOException("timed out trying to " + what);
                }
                CompletableFuture<LoadClient> f = starter.start(i).whenComplete((c, e) -> inFlight.release());
                all.add(f);
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                    .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted trying to " + what, e);
        } catch (TimeoutException e) {
            throw new IOException("timed out trying to " + what, e);
        } catch (java.util.concurrent.ExecutionException e) {
            counters.connectFailed(e.getCause());
            throw new IOException("could not " + what + ": " + e.getCause().getMessage(), e.getCause());
        } finally {
            all.forEach(f -> f.thenAccept(clients::add));
        }
        return all.stream().map(CompletableFuture::join).toList();
    }

    /**
     * Runs a small room for {@code d} and closes it again, so that the first measured step does not pay for the
     * JIT and class loading of either JVM (cold, JOIN to JOINED took ~10x longer here). What it records is
     * thrown away.
     */
    public void warmUp(Duration d) throws IOException {
        Room room = new Room("warmup"); // not in rooms: counts for no step
        List<LoadClient> warm = new ArrayList<>(joinMany(room, 1, "warmup-publisher", 0, false, true, _ -> { }));
        warm.getFirst().publish(MediaProfile.LARGE_ROOM, options.pacing(), keyframeDelay);
        sleep(d.dividedBy(2));
        warm.addAll(joinMany(room, 20, "warmup-", 1));
        sleep(d.dividedBy(2));
        leave(room, warm);
        stepJoiners.clear();
        lateJoinUs.reset();
        joinUs.reset();
        takeLateJoinSources();
    }

    // ------------------------------------------------------------------ measuring

    /** What was read when the window opened. */
    private record Start(long atNanos, CpuSample relayCpu, CpuSample harnessCpu, MachineStat machine, int gcPauses,
                         long harnessGcMs, Map<SyntheticStream, SyntheticStream.Counters> streams,
                         Optional<Map<String, Double>> metrics, Map<LoadClient, Long> delivered) {
    }

    /** Warms up, measures one window of {@code step}, drains, and returns what it found. */
    public StepResult measure(Scenario scenario, StepSpec step) throws Exception {
        sleep(step.warmup());
        // Whatever was recorded before the window is not this step's.
        loops.slots().forEach(s -> s.tally().takeLatencies());
        readTallies();
        // Scraped before the CPU readings (and at the end after them): serving /metrics costs the relay CPU too.
        Optional<Map<String, Double>> metrics0 = scrape();
        CpuSample relayCpu0 = CpuSample.read(relayPid, true);
        CpuSample harnessCpu0 = CpuSample.read(harnessPid, true);
        MachineStat machine0 = MachineStat.read();
        int gc0 = GcPauses.read(gcLog).size();
        long harnessGc0 = harnessGcMillis();
        Map<SyntheticStream, SyntheticStream.Counters> streams0 = streamCounters();
        Map<LoadClient, Long> delivered0 = new HashMap<>();
        clients.forEach(c -> delivered0.put(c, c.windowDelivered()));
        // The window starts at the very moment it opens: a frame stamped earlier but checked by its publisher
        // before the open would otherwise count for its receivers but not for the publisher.
        Histogram setupLateJoin = null;
        if (scenario.lateJoinInWindow()) {
            setupLateJoin = lateJoinUs.getIntervalHistogram(); // the set-up's joins; the window's come after
            takeLateJoinSources();
        }
        Start start = new Start(System.nanoTime(), relayCpu0, harnessCpu0, machine0, gc0, harnessGc0, streams0, metrics0,
                delivered0);
        window.open(start.atNanos());
        scenario.duringWindow(step, this);
        sleepUntil(start.atNanos() + step.window().toNanos());
        long end = System.nanoTime();
        window.close(end);
        CpuSample relayCpu = CpuSample.read(relayPid, true);
        CpuSample harnessCpu = CpuSample.read(harnessPid, true);
        MachineStat machine = MachineStat.read();
        List<Double> pauses = GcPauses.read(gcLog);
        long harnessGcMs = harnessGcMillis() - start.harnessGcMs();
        long rss = ProcStatus.read(relayPid).rssBytes();
        Optional<Map<String, Double>> endMetrics = scrape();
        drain();
        scenario.settle(step, this);
        Map<String, Object> scenarioResults = scenario.results(step, this, start.metrics(), endMetrics);

        long[] got = readTallies();
        Histogram latency = new Histogram(1, ThreadTally.MAX_LATENCY_US, 3);
        loops.slots().forEach(s -> latency.add(s.tally().takeLatencies()));
        // Simulcast receivers get one layer at a time, switching: what they should have got is what they got plus
        // what is missing from their sequences (each layer checked from the LAYER message that started it).
        long expected = scenario.lossFromGaps() ? got[0] + got[3]
                : rooms.stream().mapToLong(r -> r.expectedPackets(start.streams())).sum();
        int receivers = (int) clients.stream()
                .filter(c -> c.windowDelivered() > start.delivered().getOrDefault(c, 0L)).count();
        SyntheticStream.Counters published = SyntheticStream.Counters.ZERO;
        for (Map.Entry<SyntheticStream, SyntheticStream.Counters> e : streamCounters().entrySet()) {
            published = published.plus(e.getValue().minus(start.streams().getOrDefault(e.getKey(),
                    SyntheticStream.Counters.ZERO)));
        }
        Histogram lateJoinHist = lateJoinUs.getIntervalHistogram();
        Histogram joins = joinUs.getIntervalHistogram();
        int lateJoinIncomplete = stepJoiners.stream().mapToInt(c -> c.lateJoinPending() > 0 ? 1 : 0).sum();
        Map<KeyframeWatch.Source, Long> sources = takeLateJoinSources();
        stepJoiners.clear();
        window.reset();

        double seconds = (end - start.atNanos()) / 1e9;
        return new StepResult(step.label(), scenario.params(step), step.count(), seconds,
                expected, got[0], got[1], got[2], got[3], got[4], got[5], LatencySummary.of(latency),
                relayCpu.cpuSecondsSince(start.relayCpu(), ticksPerSecond),
                relayCpu.coresSince(start.relayCpu(), ticksPerSecond),
                harnessCpu.coresSince(start.harnessCpu(), ticksPerSecond),
                machine.busyRatioSince(start.machine()),
                relayCpu.threadsSince(start.relayCpu(), ticksPerSecond, TOP_THREADS),
                harnessCpu.threadsSince(start.harnessCpu(), ticksPerSecond, TOP_THREADS),
                GcPauses.Summary.of(pauses.subList(Math.min(start.gcPauses(), pauses.size()), pauses.size())),
                harnessGcMs, rss, offheapCacheBytes(endMetrics), relayEgressPackets(start.metrics(), endMetrics),
                RelayMetricsView.of(start.metrics(), endMetrics),
                LatencySummary.of(lateJoinHist), lateJoinIncomplete, sources, LatencySummary.of(joins), published,
                setupLateJoin == null ? null : LatencySummary.of(setupLateJoin),
                relayCpu.runqueueWaitPerCpuSince(start.relayCpu()), receivers,
                relayCounter(start.metrics(), endMetrics, RelayMetricsView::egressBytes), scenarioResults);
    }

    private Map<KeyframeWatch.Source, Long> takeLateJoinSources() {
        Map<KeyframeWatch.Source, Long> m = new java.util.EnumMap<>(KeyframeWatch.Source.class);
        for (KeyframeWatch.Source s : KeyframeWatch.Source.values()) {
            m.put(s, lateJoinSources.getAndSet(s.ordinal(), 0));
        }
        return m;
    }

    /** Waits until no more packets of the window arrive (quiet for a moment), at most {@link #DRAIN_MAX}. */
    private void drain() {
        long deadline = System.nanoTime() + DRAIN_MAX.toNanos();
        long last = -1;
        long quietSince = System.nanoTime();
        while (System.nanoTime() - deadline < 0) {
            long now = loops.slots().stream().mapToLong(s -> s.tally().packets()).sum();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= DRAIN_QUIET.toNanos()) {
                return;
            }
            sleep(Duration.ofMillis(50));
        }
    }

    /**
     * Since the previous call, over all client threads: delivered packets, bytes, replayed packets, gaps,
     * duplicates, gaps of any receiver.
     */
    private long[] readTallies() {
        long[] sum = new long[6];
        for (ClientLoops.Slot s : loops.slots()) {
            ThreadTally t = s.tally();
            long[] now = {t.packets(), t.bytes(), t.replayed(), t.gaps(), t.duplicates(), t.gapsAnyReceiver()};
            long[] before = tallyBase.getOrDefault(s, new long[6]);
            for (int i = 0; i < 6; i++) {
                sum[i] += now[i] - before[i];
            }
            tallyBase.put(s, now);
        }
        return sum;
    }

    private Map<SyntheticStream, SyntheticStream.Counters> streamCounters() {
        Map<SyntheticStream, SyntheticStream.Counters> m = new HashMap<>();
        for (Room r : rooms) {
            for (LoadClient p : r.publishers()) {
                p.streams().forEach(s -> m.put(s, s.counters()));
            }
        }
        return m;
    }

    private static long harnessGcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(t -> t > 0).sum();
    }

    private Optional<Map<String, Double>> scrape() {
        return metrics == null ? Optional.empty() : metrics.scrape();
    }

    /** The relay's cache gauge ({@code kfrelay_cache_bytes}, or a metric named like it), if it exposes one. */
    private Long offheapCacheBytes(Optional<Map<String, Double>> m) {
        Long v = m.map(RelayMetricsView::cacheBytes).orElse(null);
        if (v != null) {
            offheapCacheBytesLast = v;
        }
        return v;
    }

    /** The relay's egress packet counter over the window, if it exposes one. */
    private static Long relayEgressPackets(Optional<Map<String, Double>> before, Optional<Map<String, Double>> after) {
        return relayCounter(before, after, RelayMetricsView::egressPackets);
    }

    /** A relay counter's increase over the window, if it exposes it. */
    private static Long relayCounter(Optional<Map<String, Double>> before, Optional<Map<String, Double>> after,
                                     java.util.function.Function<Map<String, Double>, Long> counter) {
        if (before.isEmpty() || after.isEmpty()) {
            return null;
        }
        Long a = counter.apply(before.get());
        Long b = counter.apply(after.get());
        return a == null || b == null ? null : b - a;
    }

    /** Whether /metrics answered with a cache gauge at least once. */
    public boolean sawCacheGauge() {
        return offheapCacheBytesLast >= 0;
    }

    public static void sleep(Duration d) {
        sleepUntil(System.nanoTime() + d.toNanos());
    }

    private static void sleepUntil(long deadline) {
        long wait;
        while ((wait = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Stops publishing, closes every client (the relay sees leaves) and the client threads. */
    @Override
    public void close() {
        loops.stopPublishing();
        try {
            closeAll(clients);
        } catch (Exception e) {
            // closing is best effort; the loops are shut down below anyway
        }
        loops.close();
    }

    /** Closes {@code cs} and waits for all of them, at most 10 s. */
    private static void closeAll(List<LoadClient> cs) throws Exception {
        List<CompletableFuture<Void>> closing = cs.stream().map(LoadClient::close).toList();
        CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    }
}
