package io.kfrelay.perf.os;

import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which CPUs the relay and the harness may run on ({@code taskset(1)} lists such as {@code 0}, {@code 2-3} or
 * {@code 0,2}); null for no restriction. Splitting them keeps the load generator off the relay's CPUs, so the
 * relay's latency is not also the time it waited for a CPU the harness held (see
 * {@code relay_runqueue_wait_per_cpu}). The relay is started under {@code taskset -c}, so its JVM sizes itself
 * (event loops, GC threads) to its CPUs; the harness pins itself, every thread, before it starts any.
 */
public record CpuPinning(String relayCpus, String harnessCpus) {
    public static final CpuPinning NONE = new CpuPinning(null, null);
    private static final Pattern CPU_LIST = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");

    public CpuPinning {
        check("--relay-cpus", relayCpus);
        check("--harness-cpus", harnessCpus);
    }

    private static void check(String option, String list) {
        if (list != null && !CPU_LIST.matcher(list).matches()) {
            throw new IllegalArgumentException(option + " must be a CPU list like 0, 2-3 or 0,2, not '" + list + "'");
        }
    }

    /** What goes before the relay's command line: {@code taskset -c LIST}, or nothing. */
    public List<String> relayCommandPrefix() {
        return relayCpus == null ? List.of() : List.of("taskset", "-c", relayCpus);
    }

    /** Restricts every thread of this JVM to {@link #harnessCpus()} (no-op without it). */
    public void pinHarness() throws IOException {
        if (harnessCpus == null) {
            return;
        }
        long pid = ProcessHandle.current().pid();
        Process p;
        try {
            p = new ProcessBuilder("taskset", "-a", "-c", "-p", harnessCpus, Long.toString(pid))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("--harness-cpus needs taskset(1) (util-linux): " + e.getMessage(), e);
        }
        String output = new String(p.getInputStream().readAllBytes()).trim();
        try {
            if (p.waitFor() != 0) {
                throw new IOException("taskset could not pin the harness to CPUs " + harnessCpus + ": " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while pinning the harness", e);
        }
    }
}
