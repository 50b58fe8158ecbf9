package io.kfrelay.perf;

import io.kfrelay.perf.media.KeyframeDelay;
import io.kfrelay.perf.media.Pacing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A perf run's settings, as given on the command line.
 *
 * @param transport     "ws" or "quic": how the load clients reach the relay
 * @param subscribers   fixes the scenario's size (one step) instead of its default steps; null for the default
 * @param duration      measuring window per step; null for the default (3 s quick, 10 s otherwise)
 * @param clientThreads harness client I/O threads
 * @param p99LimitMs    saturation: a step whose p99 exceeds this is past the knee
 * @param lossLimit     saturation: a step whose loss ratio exceeds this is past the knee
 * @param relayArgs     extra {@code kfrelay serve} options, appended last (they win)
 * @param home          the checkout holding the {@code kfrelay} launcher
 * @param pacing        how publishers put video on the wire (frames as bursts, or paced)
 * @param pinning       which CPUs the relay and the harness run on (or no restriction)
 * @param subscribeTo   meeting: each participant joins with MANUAL_SUBSCRIBE and subscribes to everyone's audio and
 *                      to this many of the others' cameras; null: everyone receives everything (no manual subscription)
 * @param keyframeDelay how long publishers take to answer a keyframe request; null for the scenario's default
 */
public record PerfOptions(String scenario, String transport, Integer subscribers, Duration duration, boolean quick,
                          Path out, int clientThreads, double p99LimitMs, double lossLimit, List<String> relayArgs,
                          Path home, Pacing pacing, io.kfrelay.perf.os.CpuPinning pinning, Integer subscribeTo,
                          KeyframeDelay keyframeDelay) {

    public PerfOptions {
        if (!transport.equals("ws") && !transport.equals("quic")) {
            throw new IllegalArgumentException("--transport must be ws or quic, was '" + transport + "'");
        }
        if (subscribers != null && (subscribers < 1 || subscribers > 100_000)) {
            throw new IllegalArgumentException("--subscribers must be 1..100000, was " + subscribers);
        }
        if (duration != null && (duration.toMillis() < 500 || duration.toMinutes() > 60)) {
            throw new IllegalArgumentException("--duration must be 500ms..60m, was " + duration);
        }
        if (clientThreads < 1 || clientThreads > 64) {
            throw new IllegalArgumentException("--client-threads must be 1..64, was " + clientThreads);
        }
        if (subscribeTo != null && !scenario.equals("meeting")) {
            throw new IllegalArgumentException("--subscribe-to applies to the meeting scenario only");
        }
        if (subscribeTo != null && (subscribeTo < 0 || subscribeTo > 1000)) {
            throw new IllegalArgumentException("--subscribe-to must be 0..1000 cameras, was " + subscribeTo);
        }
        relayArgs = List.copyOf(relayArgs);
        java.util.Objects.requireNonNull(pacing, "pacing");
        java.util.Objects.requireNonNull(pinning, "pinning");
    }

    /** The measuring window of one step. */
    public Duration window() {
        return duration != null ? duration : quick ? Duration.ofSeconds(3) : Duration.ofSeconds(10);
    }

    /** Time between setting a step up and opening its window (connections settle, caches fill, JIT warms). */
    public Duration warmup() {
        return quick ? Duration.ofSeconds(1) : Duration.ofSeconds(3);
    }

    /** Parses 500ms, 3s, 2m, 1h (or a bare number of seconds). */
    public static Duration parseDuration(String text) {
        String s = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            long n = Long.parseLong(s.replaceAll("[smh]$", ""));
            return switch (s.charAt(s.length() - 1)) {
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("expected a duration such as 500ms, 10s or 2m, was '" + text + "'");
        }
    }
}
