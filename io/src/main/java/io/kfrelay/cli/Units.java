package io.kfrelay.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the human units of the command line and config file: byte sizes ({@code 1200}, {@code 200k},
 * {@code 2m}, {@code 1g}; k/m/g are KiB/MiB/GiB, i.e. powers of 1024) and durations ({@code 500ms},
 * {@code 5s}, {@code 1m}, {@code 2h}; {@code 0} needs no unit).
 */
public final class Units {
    private static final Pattern BYTES = Pattern.compile("(\\d+)\\s*([kmg]?)(?:i?b)?");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private Units() {
    }

    public static long parseBytes(String text) {
        Matcher m = BYTES.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a byte size: use a number with an optional "
                    + "suffix k, m or g (KiB, MiB, GiB), e.g. 1200, 200k, 2m");
        }
        long shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large a byte size");
        }
    }

    /** {@link #parseBytes} for sizes that must fit an int. */
    public static int parseIntBytes(String text) {
        long n = parseBytes(text);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("'" + text + "' is too large (at most 2g - 1 bytes)");
        }
        return (int) n;
    }

    public static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration: use a number with a unit "
                    + "ms, s, m or h, e.g. 500ms, 5s, 1m");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration");
        }
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** Short human form of a byte count: 204800 becomes 200k, 1000 stays 1000. */
    public static String formatBytes(long n) {
        if (n != 0 && n % (1L << 30) == 0) {
            return (n >> 30) + "g";
        }
        if (n != 0 && n % (1L << 20) == 0) {
            return (n >> 20) + "m";
        }
        if (n != 0 && n % (1L << 10) == 0) {
            return (n >> 10) + "k";
        }
        return Long.toString(n);
    }

    /** Short human form of a duration: 500ms, 5s, 1m. */
    public static String formatDuration(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
