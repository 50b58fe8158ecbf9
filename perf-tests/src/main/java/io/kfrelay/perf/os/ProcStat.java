package io.kfrelay.perf.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of one process or thread as the kernel accounts it: fields 14 (utime) and 15 (stime) of
 * {@code /proc/<pid>/stat} (or {@code /proc/<pid>/task/<tid>/stat}), in clock ticks.
 *
 * @param name  the {@code comm} field (a thread's name, cut to 15 characters by the kernel)
 * @param ticks utime + stime
 */
public record ProcStat(String name, long ticks) {

    /**
     * Parses one stat line. The name is in parentheses and may itself hold spaces and parentheses, so the
     * fields are counted from the last ')'.
     */
    public static ProcStat parse(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open) {
            throw new IllegalArgumentException("not a /proc stat line: " + line);
        }
        String[] f = line.substring(close + 2).trim().split(" +");
        // f[0] is field 3 (state), so field n is f[n - 3].
        if (f.length < 13) {
            throw new IllegalArgumentException("too few fields in /proc stat line: " + line);
        }
        long utime = Long.parseLong(f[14 - 3]);
        long stime = Long.parseLong(f[15 - 3]);
        return new ProcStat(line.substring(open + 1, close), utime + stime);
    }

    /** Reads {@code /proc/<pid>/stat}. */
    public static ProcStat read(long pid) throws IOException {
        return parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }
}
