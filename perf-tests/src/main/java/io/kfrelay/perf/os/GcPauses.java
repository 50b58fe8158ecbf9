package io.kfrelay.perf.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stop-the-world pauses from a unified GC log written with {@code -Xlog:gc,gc+phases:file=...}. Every
 * collector logs one line per pause that names it "Pause ..." and ends with its duration in ms:
 * <pre>
 * [0.579s][info][gc       ] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 15M-&gt;4M(64M) 58.977ms   (G1, Parallel, Serial)
 * [0.217s][info][gc,phases] GC(0) Y: Pause Mark Start (Major) 0.012ms                                 (ZGC)
 * [0.584s][info][gc       ] GC(0) Pause Init Mark (unload classes) 0.011ms                             (Shenandoah)
 * </pre>
 * Concurrent phases ("Concurrent Mark 39.7ms") and G1's per-phase lines hold no "Pause" and are not counted.
 */
public final class GcPauses {
    private static final Pattern PAUSE = Pattern.compile("\\bPause\\b.*?\\s(\\d+(?:\\.\\d+)?)ms\\s*$");

    private GcPauses() {
    }

    /** Pause durations in ms, in log order. */
    public static List<Double> parse(List<String> lines) {
        List<Double> pauses = new ArrayList<>();
        for (String line : lines) {
            Matcher m = PAUSE.matcher(line);
            if (m.find()) {
                pauses.add(Double.parseDouble(m.group(1)));
            }
        }
        return pauses;
    }

    /** Pauses logged so far; none if the file does not exist yet. */
    public static List<Double> read(Path log) throws IOException {
        return Files.exists(log) ? parse(Files.readAllLines(log)) : List.of();
    }

    /** The JVM option that makes a JVM write the log this class reads. */
    public static String jvmOption(Path log) {
        return "-Xlog:gc,gc+phases:file=" + log.toAbsolutePath() + ":uptime,level,tags";
    }

    /** Count, total and longest of {@code pauses}. */
    public record Summary(int count, double totalMs, double maxMs) {
        public static Summary of(List<Double> pauses) {
            double total = 0;
            double max = 0;
            for (double p : pauses) {
                total += p;
                max = Math.max(max, p);
            }
            return new Summary(pauses.size(), total, max);
        }
    }
}
