package io.kfrelay.perf.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Memory of a process from {@code /proc/<pid>/status}: resident set now ({@code VmRSS}) and its peak
 * ({@code VmHWM}). The kernel writes both in kB (KiB); they are returned in bytes, -1 when absent.
 */
public record ProcStatus(long rssBytes, long peakRssBytes) {

    public static ProcStatus parse(String status) {
        return new ProcStatus(kibField(status, "VmRSS:"), kibField(status, "VmHWM:"));
    }

    public static ProcStatus read(long pid) throws IOException {
        return parse(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    }

    private static long kibField(String status, String key) {
        for (String line : status.split("\n")) {
            if (line.startsWith(key)) {
                String[] f = line.substring(key.length()).trim().split("\\s+");
                return Long.parseLong(f[0]) * 1024;
            }
        }
        return -1;
    }
}
