package io.kfrelay.egress;

import io.netty.buffer.ByteBuf;

/**
 * Core's egress: where the relay hands what one participant should receive. Transports in io/ implement it
 * per connection; tests implement it in memory.
 *
 * <p>Threading: called by the participant's shard consumer and, while the participant's replay runs, by its
 * replay thread. The replay thread's calls all happen before the consumer's next media call for that
 * participant (the hand-over goes through the ring), so per-stream order is the call order. Implementations
 * must tolerate calls from both threads and must never block: a slow receiver is the sink's to bound.
 */
public interface ParticipantSink {

    /**
     * Queues one media packet. The buffer is shared by every receiver and only borrowed for the call:
     * {@code retain()} (or {@code retainedDuplicate()}) it to keep it, and never modify its bytes.
     */
    void sendMedia(ByteBuf packet);

    /** Queues one control message; ownership passes to the sink, which releases it. */
    void sendControl(ByteBuf message);

    /** End of a burst: write out everything queued since the last flush. */
    void flush();

    /**
     * The relay ends this participant's session (join refused, kicked, relay shutting down). The sink
     * closes the connection after what is already queued (typically an ERROR) is written. No further
     * calls follow, except that a {@link #flush()} may.
     */
    void close();
}
