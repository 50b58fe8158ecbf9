package io.kfrelay.perf.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The whole machine's CPU time from the first line of {@code /proc/stat}, in clock ticks summed over all CPUs.
 * Busy is everything but idle and iowait. Tells a reader whether the box itself was full (other work
 * included), which neither the relay's nor the harness's own figures show.
 */
public record MachineStat(long busyTicks, long totalTicks) {

    public static MachineStat parse(String procStat) {
        String first = procStat.lines().findFirst().orElse("");
        if (!first.startsWith("cpu ")) {
            throw new IllegalArgumentException("not /proc/stat: " + first);
        }
        String[] f = first.substring(4).trim().split("\\s+");
        long total = 0;
        // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already in user.
        int n = Math.min(f.length, 8);
        for (int i = 0; i < n; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[3]) + (f.length > 4 ? Long.parseLong(f[4]) : 0);
        return new MachineStat(total - idle, total);
    }

    public static MachineStat read() throws IOException {
        return parse(Files.readString(Path.of("/proc/stat")));
    }

    /** Share of the machine's CPU time that was busy between {@code before} and this sample (0..1). */
    public double busyRatioSince(MachineStat before) {
        long total = totalTicks - before.totalTicks;
        return total <= 0 ? 0 : (double) (busyTicks - before.busyTicks) / total;
    }
}
