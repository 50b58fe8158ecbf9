package io.kfrelay.perf.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The kernel's clock tick rate for /proc CPU times, from {@code getconf CLK_TCK}. */
public final class ClockTicks {
    /** What Linux uses on every common architecture; only used if getconf cannot be run. */
    public static final long FALLBACK = 100;

    private ClockTicks() {
    }

    /** Ticks per second; {@link #FALLBACK} if getconf fails. */
    public static long perSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                long v = Long.parseLong(out);
                if (v > 0) {
                    return v;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return FALLBACK;
    }
}
