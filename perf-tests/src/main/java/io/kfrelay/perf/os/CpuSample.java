package io.kfrelay.perf.os;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One reading of a process's CPU time, in total and per thread (by thread id), at a {@link System#nanoTime()}.
 * Two readings give CPU used over the interval; {@link #threadsSince} names the threads that used it.
 */
public record CpuSample(long atNanos, long processTicks, Map<Long, ProcStat> threads) {

    /** One thread's CPU use over an interval, in cores (1.0 = one CPU busy all the time). */
    public record ThreadLoad(String name, double cores) {
    }

    public static CpuSample read(long pid, boolean withThreads) throws IOException {
        long at = System.nanoTime();
        ProcStat process = ProcStat.read(pid);
        Map<Long, ProcStat> threads = new HashMap<>();
        if (withThreads) {
            Path tasks = Path.of("/proc", Long.toString(pid), "task");
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
                for (Path task : dir) {
                    try {
                        threads.put(Long.parseLong(task.getFileName().toString()),
                                ProcStat.parse(Files.readString(task.resolve("stat"))));
                    } catch (NoSuchFileException gone) {
                        // the thread ended between listing and reading
                    }
                }
            }
        }
        return new CpuSample(at, process.ticks(), threads);
    }

    /** CPU seconds used since {@code before}. */
    public double cpuSecondsSince(CpuSample before, long ticksPerSecond) {
        return (double) (processTicks - before.processTicks) / ticksPerSecond;
    }

    /** Average cores used since {@code before}. */
    public double coresSince(CpuSample before, long ticksPerSecond) {
        double wall = (atNanos - before.atNanos) / 1e9;
        return wall <= 0 ? 0 : cpuSecondsSince(before, ticksPerSecond) / wall;
    }

    /** The {@code limit} busiest threads since {@code before}, busiest first (threads seen in both samples). */
    public List<ThreadLoad> threadsSince(CpuSample before, long ticksPerSecond, int limit) {
        double wall = (atNanos - before.atNanos) / 1e9;
        List<ThreadLoad> loads = new ArrayList<>();
        for (Map.Entry<Long, ProcStat> e : threads.entrySet()) {
            ProcStat then = before.threads.get(e.getKey());
            long ticks = e.getValue().ticks() - (then == null ? 0 : then.ticks());
            if (ticks > 0 && wall > 0) {
                loads.add(new ThreadLoad(e.getValue().name(), ticks / (double) ticksPerSecond / wall));
            }
        }
        loads.sort(Comparator.comparingDouble(ThreadLoad::cores).reversed());
        return loads.size() > limit ? List.copyOf(loads.subList(0, limit)) : List.copyOf(loads);
    }
}
