package io.kfrelay.perf.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A thread's scheduler accounting from {@code /proc/<pid>/task/<tid>/schedstat}: nanoseconds on a CPU and
 * nanoseconds runnable but waiting for one. On a box the relay shares with its load generator the second number
 * says how much of a latency was the relay waiting for a CPU rather than doing work.
 *
 * @param runNanos  time spent running
 * @param waitNanos time spent on a run queue, runnable, not running
 */
public record SchedStat(long runNanos, long waitNanos) {

    /** Parses the file's one line ({@code run wait timeslices}). */
    public static SchedStat parse(String line) {
        String[] f = line.trim().split(" +");
        if (f.length < 2) {
            throw new IllegalArgumentException("not a schedstat line: " + line);
        }
        return new SchedStat(Long.parseLong(f[0]), Long.parseLong(f[1]));
    }

    /** The thread's reading, or null when the kernel keeps no schedstats (or the thread is gone). */
    public static SchedStat read(Path task) throws IOException {
        try {
            return parse(Files.readString(task.resolve("schedstat")));
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
