package io.kfrelay.security;

/**
 * One connection's ingress budget: messages and bytes per second, each a {@link TokenBucket} holding one
 * second's worth. Over budget a message is dropped; a connection that stays over it (drops less than a second
 * apart) for the grace period is to be disconnected. Event loop only; no allocation per message.
 */
public final class IngressLimiter {

    /** What to do with one inbound message. */
    public enum Verdict { ADMIT, DROP, DISCONNECT }

    private static final long STREAK_GAP_NANOS = 1_000_000_000L;

    private final TokenBucket messages;
    private final TokenBucket bytes;
    private final long graceNanos;
    private long streakStart = -1;
    private long lastDrop;

    /** A rate of 0 is unlimited. */
    public IngressLimiter(long messagesPerSecond, long bytesPerSecond, long graceNanos, long nowNanos) {
        this.messages = messagesPerSecond > 0 ? new TokenBucket(messagesPerSecond, messagesPerSecond, nowNanos) : null;
        this.bytes = bytesPerSecond > 0 ? new TokenBucket(bytesPerSecond, bytesPerSecond, nowNanos) : null;
        this.graceNanos = graceNanos;
    }

    public Verdict admit(int length, long nowNanos) {
        // Both checked before either is taken, so a refused message costs no budget.
        boolean fits = (messages == null || messages.has(1, nowNanos)) && (bytes == null || bytes.has(length, nowNanos));
        if (fits) {
            if (messages != null) {
                messages.tryTake(1, nowNanos);
            }
            if (bytes != null) {
                bytes.tryTake(length, nowNanos);
            }
            return Verdict.ADMIT;
        }
        if (streakStart < 0 || nowNanos - lastDrop > STREAK_GAP_NANOS) {
            streakStart = nowNanos;
        }
        lastDrop = nowNanos;
        return nowNanos - streakStart >= graceNanos ? Verdict.DISCONNECT : Verdict.DROP;
    }
}
