package io.kfrelay.transport;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Messages and bytes waiting in one egress queue, packed into one word so that a reservation is a single
 * atomic add (and readers see both numbers from the same instant): messages above bit 40, bytes below.
 * Producers reserve before they enqueue; the draining event loop gives back what it wrote.
 */
final class QueueBudget {
    private static final int MESSAGE_SHIFT = 40;
    private static final long BYTES_MASK = (1L << MESSAGE_SHIFT) - 1;
    private static final long ONE_MESSAGE = 1L << MESSAGE_SHIFT;

    private final AtomicLong state = new AtomicLong();

    /**
     * Reserves room for one message of {@code bytes} if the queue then holds at most {@code maxMessages} and
     * {@code maxBytes}. Add first and back out on failure: two producers can never both squeeze past a limit.
     */
    boolean tryReserve(int bytes, int maxMessages, long maxBytes) {
        long delta = ONE_MESSAGE + bytes;
        long after = state.addAndGet(delta);
        if ((after >>> MESSAGE_SHIFT) > maxMessages || (after & BYTES_MASK) > maxBytes) {
            state.addAndGet(-delta);
            return false;
        }
        return true;
    }

    /** Gives back {@code messages} messages totalling {@code bytes} (written or released). */
    void release(int messages, long bytes) {
        state.addAndGet(-(messages * ONE_MESSAGE + bytes));
    }

    /** Whether the queue holds at most {@code maxMessages} and {@code maxBytes} (one read: a consistent pair). */
    boolean isWithin(int maxMessages, long maxBytes) {
        long now = state.get();
        return (now >>> MESSAGE_SHIFT) <= maxMessages && (now & BYTES_MASK) <= maxBytes;
    }

    /** Whether the queue is down to the low-water mark of {@code limits}: the receiver has drained. */
    boolean isAtLowWater(SinkLimits limits) {
        return isWithin(limits.lowWaterMessages(), limits.lowWaterBytes());
    }

    int messages() {
        return (int) (state.get() >>> MESSAGE_SHIFT);
    }

    long bytes() {
        return state.get() & BYTES_MASK;
    }
}
