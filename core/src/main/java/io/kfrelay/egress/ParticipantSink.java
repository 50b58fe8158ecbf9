package io.kfrelay.egress;

import io.netty.buffer.ByteBuf;

/**
 * Core's egress: where the relay hands what one participant should receive. Transports in io/ implement it
 * per connection; tests implement it in memory.
 *
 * <p>Threading: every method is called by the participant's shard consumer. While the participant's replay
 * runs, its replay thread also calls {@link #sendMedia} and {@link #flush} (concurrently with the consumer's
 * {@link #sendControl}/{@link #flush}); the consumer queues its own media and control for that participant
 * behind the replay and hands them over through the ring after the replay's last call, so the order of
 * calls is the order to deliver. Implementations must tolerate calls from both threads and must never
 * block: a slow receiver is the sink's to bound. Never call back into {@code RelayCore.close()} from here.
 */
public interface ParticipantSink {

    /**
     * Queues one media packet. The same buffer object is shared by every receiver and only borrowed for the
     * call: keep it with {@code retainedDuplicate()} or {@code retainedSlice()} (each receiver needs its own
     * reader index; a plain {@code retain()} would share one), and never modify its bytes.
     */
    void sendMedia(ByteBuf packet);

    /** Queues one control message; ownership passes to the sink, which releases it (even if it throws). */
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
