package io.kfrelay.client;

import java.time.Duration;
import java.util.Objects;

/**
 * When and how a {@link KfRelayClient} reconnects after its established session's connection ends without the client
 * asking (docs/CLUSTER.md, "Clients and failover"): exponential backoff from {@code initialBackoff}, doubling up to
 * {@code maxBackoff}, each delay shortened by a random part of up to half (jitter, so that the clients of a dead node
 * do not all come back at the same instant), giving up once {@code giveUpAfter} has passed since the loss.
 *
 * @param mode           {@link Mode#AUTO} (the default): on when the client knows more than one relay (several URLs
 *                       given, or a NODES message received); {@link Mode#ON}; {@link Mode#OFF}
 * @param initialBackoff the first delay (default 100 ms)
 * @param maxBackoff     the longest delay (default 2 s)
 * @param giveUpAfter    how long after the loss the client stops trying and reports failure (default 30 s)
 */
public record ReconnectOptions(Mode mode, Duration initialBackoff, Duration maxBackoff, Duration giveUpAfter) {

    /** Whether a client reconnects. */
    public enum Mode { AUTO, ON, OFF }

    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(2);
    public static final Duration DEFAULT_GIVE_UP_AFTER = Duration.ofSeconds(30);

    public ReconnectOptions {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(giveUpAfter, "giveUpAfter");
        if (initialBackoff.toMillis() < 1) {
            throw new IllegalArgumentException("initialBackoff must be at least 1 ms");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff must be at least initialBackoff");
        }
        if (giveUpAfter.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("giveUpAfter must be at least initialBackoff");
        }
    }

    public static ReconnectOptions defaults() {
        return new ReconnectOptions(Mode.AUTO, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_GIVE_UP_AFTER);
    }

    public ReconnectOptions withMode(Mode m) {
        return new ReconnectOptions(m, initialBackoff, maxBackoff, giveUpAfter);
    }

    public ReconnectOptions withGiveUpAfter(Duration d) {
        return new ReconnectOptions(mode, initialBackoff, maxBackoff, d);
    }

    public ReconnectOptions withBackoff(Duration initial, Duration max) {
        return new ReconnectOptions(mode, initial, max, giveUpAfter);
    }
}
