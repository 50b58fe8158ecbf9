package io.kfrelay.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.EmptyByteBuf;

/**
 * The purges one {@link EgressQueue} has pending: the receiver unsubscribed from a (sender, stream), so its drain drops
 * that stream's media until it reaches the purge's {@link #FENCE}, the marker queued at the moment of the purge. What
 * is queued after the fence (a later subscription's replay) is kept.
 *
 * <p>The keys wait here in the order their fences were queued, and every fence is the same marker: a fence passed
 * is always the oldest key's. So a media message is to be dropped exactly when its key is pending (its fence lies
 * ahead of it), and two purges of one stream before the drain got there are two entries, each ending at its own fence.
 *
 * <p>One producer (the receiver's media caller: the shard consumer or its replay thread, never both at once, as
 * {@code ParticipantSink} promises), which registers a key before it queues the fence; one consumer (the queue's
 * drain). Bounded: at most {@link #CAPACITY} purges pending, after which a purge is refused (the caller queues no
 * fence and the stream's queued media goes out after all, a little more than the receiver asked for). Lock-free, and
 * nothing is allocated but the keys' array, once, at a connection's first purge.
 */
final class PurgeFences {
    /** Purges one queue may have pending at once; a power of two. */
    static final int CAPACITY = 64;
    private static final int MASK = CAPACITY - 1;

    /**
     * What a purge queues: a message that is never written and never released (an empty buffer's release does
     * nothing), recognised by identity and held by no budget, so it cannot crowd out media nor trip the hard caps.
     */
    static final ByteBuf FENCE = new EmptyByteBuf(ByteBufAllocator.DEFAULT);

    /** Written by the producer before the {@link #tail} that publishes it. */
    private long[] keys;
    /** Fences the drain has passed. Written by the consumer only. */
    private volatile long head;
    /** Purges registered. Written by the producer only. */
    private volatile long tail;

    /** Producer: registers a purge of {@code key}; false if {@link #CAPACITY} are pending (then queue no fence). */
    boolean add(long key) {
        long t = tail;
        if (t - head >= CAPACITY) {
            return false;
        }
        if (keys == null) {
            keys = new long[CAPACITY];
        }
        keys[(int) (t & MASK)] = key;
        tail = t + 1;
        return true;
    }

    /** Consumer: whether no purge is pending (the per-message check of the drain: two reads, nothing else). */
    boolean isEmpty() {
        return head == tail;
    }

    /** Consumer: whether media of {@code key} is to be dropped (a purge of it is pending). */
    boolean covers(long key) {
        long t = tail;
        long[] k = keys; // published by the read of tail above
        for (long i = head; i < t; i++) {
            if (k[(int) (i & MASK)] == key) {
                return true;
            }
        }
        return false;
    }

    /** Consumer: the drain took a {@link #FENCE} from the queue: the oldest pending purge is done. */
    void fenceReached() {
        long h = head;
        if (h != tail) { // always so: a key is registered before its fence is queued
            head = h + 1;
        }
    }

    /** Purges pending (approximate while the producer runs; tests). */
    int pending() {
        return (int) (tail - head);
    }
}
