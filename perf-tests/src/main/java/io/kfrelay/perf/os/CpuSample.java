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
 * Two readings give CPU used over the interval; {@link #threadsSince} names the threads that used it, and
 * {@link #runqueueWaitPerCpuSince} how long they waited for a CPU (from {@code schedstat}, where the kernel has it).
 */
public record CpuSample(long atNanos, long processTicks, Map<Long, ProcStat> threads, Map<Long, SchedStat> sched) {

    public CpuSample(long atNanos, long processTicks, Map<Long, ProcStat> threads) {
        this(atNanos, processTicks, threads, Map.of());
    }

    /**
     * One thread's CPU use over an interval, in cores (1.0 = one CPU busy all the time), and the share of the
     * interval it was runnable but waiting for a CPU (null without schedstats).
     */
    public record ThreadLoad(String name, double cores, Double runqueueWaitRatio) {
        public ThreadLoad(String name, double cores) {
            this(name, cores, null);
        }
    }

    public static CpuSample read(long pid, boolean withThreads) throws IOException {
        long at = System.nanoTime();
        ProcStat process = ProcStat.read(pid);
        Map<Long, ProcStat> threads = new HashMap<>();
        Map<Long, SchedStat> sched = new HashMap<>();
        if (withThreads) {
            Path tasks = Path.of("/proc", Long.toString(pid), "task");
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
                for (Path task : dir) {
                    try {
                        long tid = Long.parseLong(task.getFileName().toString());
                        threads.put(tid, ProcStat.parse(Files.readString(task.resolve("stat"))));
                        SchedStat ss = SchedStat.read(task);
                        if (ss != null) {
                            sched.put(tid, ss);
                        }
                    } catch (NoSuchFileException gone) {
                        // the thread ended between listing and reading
                    }
                }
            }
        }
        return new CpuSample(at, process.ticks(), threads, sched);
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
                SchedStat now = sched.get(e.getKey());
                SchedStat was = before.sched.get(e.getKey());
                Double wait = now == null ? null : (now.waitNanos() - (was == null ? 0 : was.waitNanos())) / 1e9 / wall;
                loads.add(new ThreadLoad(e.getValue().name(), ticks / (double) ticksPerSecond / wall, wait));
            }
        }
        loads.sort(Comparator.comparingDouble(ThreadLoad::cores).reversed());
        return loads.size() > limit ? List.copyOf(loads.subList(0, limit)) : List.copyOf(loads);
    }

    /**
     * Over all threads seen in both samples: seconds spent waiting for a CPU per second spent running since
     * {@code before} (0.5: for every 2 ms of work, 1 ms in a run queue), or null without schedstats.
     */
    public Double runqueueWaitPerCpuSince(CpuSample before) {
        long run = 0;
        long wait = 0;
        for (Map.Entry<Long, SchedStat> e : sched.entrySet()) {
            SchedStat then = before.sched.get(e.getKey());
            if (then != null) {
                run += e.getValue().runNanos() - then.runNanos();
                wait += e.getValue().waitNanos() - then.waitNanos();
            }
        }
        return run <= 0 ? null : (double) wait / run;
    }
}
