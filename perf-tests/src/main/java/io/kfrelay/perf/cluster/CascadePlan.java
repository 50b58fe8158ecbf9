package io.kfrelay.perf.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the {@code cascade} scenario runs: three relays (origin {@code a}, edges {@code b} and {@code c}) sharing one
 * Redis, one publisher at the origin, {@link #originReceivers} receivers served there (its
 * {@code --cluster-max-receivers}) and then, step by step, receivers added until the edges serve each of
 * {@link #edgeAudiences} in turn; during each step's window {@link #lateJoinersPerNode} late joiners at the origin and
 * as many at an edge; after the steps the origin is killed. From the options alone (no I/O): unit-tested.
 *
 * @param edgeAudiences      receivers beyond the origin's, one step each, increasing (they are added, never removed)
 * @param originReceivers    the origin's {@code --cluster-max-receivers}: receivers it serves before it redirects
 * @param lateJoinersPerNode late joiners per step at the origin, and as many at an edge
 * @param window             each step's measuring window
 * @param warmup             time between setting a step up and opening its window
 * @param lease              {@code --cluster-lease}: how long a killed origin's claim outlives it (failover time)
 * @param refresh            {@code --cluster-refresh}
 */
public record CascadePlan(List<Integer> edgeAudiences, int originReceivers, int lateJoinersPerNode, Duration window,
                          Duration warmup, Duration lease, Duration refresh) {
    /** The node ids, origin first. */
    public static final List<String> NODES = List.of("a", "b", "c");
    /** The URLs the publisher knows, in the order it tries them (see CascadeRun). */
    public static final List<String> PUBLISHER_ORDER = List.of("a", "c", "b");
    /** Edges take every receiver sent to them: the origin's limit alone decides who is served where. */
    static final int EDGE_MAX_RECEIVERS = 1000;
    static final int ORIGIN_RECEIVERS = 4;
    static final int MAX_AUDIENCE = 500;

    public CascadePlan {
        edgeAudiences = List.copyOf(edgeAudiences);
        if (edgeAudiences.isEmpty()) {
            throw new IllegalArgumentException("--receivers needs at least one audience size");
        }
    }

    /**
     * The plan for {@code receivers} ("20,60": the edges' audience per step; null for the default: 20,60, or 10,20
     * quick), {@code window} (null: 10 s, 3 s quick).
     */
    public static CascadePlan of(String receivers, Duration window, boolean quick) {
        List<Integer> audiences = receivers != null ? parseAudiences(receivers) : quick ? List.of(10, 20) : List.of(20, 60);
        return new CascadePlan(audiences, ORIGIN_RECEIVERS, quick ? 3 : 10,
                window != null ? window : Duration.ofSeconds(quick ? 3 : 10), Duration.ofSeconds(quick ? 1 : 3),
                Duration.ofSeconds(3), Duration.ofMillis(500));
    }

    /** "20,60" to [20, 60]: each 1..500, increasing. */
    public static List<Integer> parseAudiences(String text) {
        List<Integer> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            int n;
            try {
                n = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--receivers expects sizes such as 20,60, was '" + text + "'");
            }
            if (n < 1 || n > MAX_AUDIENCE) {
                throw new IllegalArgumentException("--receivers: each size must be 1.." + MAX_AUDIENCE + ", was " + n);
            }
            if (!out.isEmpty() && n <= out.getLast()) {
                throw new IllegalArgumentException("--receivers: sizes must increase (receivers are added), was '"
                        + text + "'");
            }
            out.add(n);
        }
        return List.copyOf(out);
    }

    /** The cluster options of node {@code id} (the origin is {@code a}). */
    public List<String> nodeArgs(String redisUri, String id) {
        int max = id.equals(NODES.getFirst()) ? originReceivers : EDGE_MAX_RECEIVERS;
        return List.of("--cluster", redisUri, "--node-id", id, "--cluster-lease", lease.toMillis() + "ms",
                "--cluster-refresh", refresh.toMillis() + "ms", "--cluster-max-receivers", Integer.toString(max));
    }

    /** A step's label. */
    public static String label(int audience) {
        return "edge-receivers=" + audience;
    }

    /** The most participants any one node gets: every receiver at one edge, and the late joiners. */
    public int largestRoom() {
        return edgeAudiences.getLast() + originReceivers + 2 * lateJoinersPerNode + 16;
    }

    /** An upper bound of the whole run, for the processes' own deadlines (they end by themselves after it). */
    public Duration lifetime() {
        Duration perStep = warmup.plus(window).plusSeconds(60); // joining, late joiners' last picture, drain
        return Duration.ofMinutes(5).plus(perStep.multipliedBy(edgeAudiences.size())).plus(Duration.ofSeconds(60));
    }
}
