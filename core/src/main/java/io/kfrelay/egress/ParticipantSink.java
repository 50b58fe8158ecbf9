package io.kfrelay.egress;

import io.netty.buffer.ByteBuf;

/**
 * Core's egress: where the relay hands what one participant should receive. Transports in io/ implement it
 * per connection; tests implement it in memory.
 *
 * <p>Threading: every method is called by the participant's shard consumer. While the participant's replay
 * runs, its replay thread makes the calls instead (the consumer only flushes, and sends the ERROR of an eviction,
 * which cancels the replay): the consumer queues the participant's live media and control behind the replay, the
 * replay thread sends them after the cached packets, and the consumer takes over through the ring after the replay
 * thread's last call. So the order of calls is the order to deliver. Implementations must tolerate calls from both threads and must never block: a slow
 * receiver is the sink's to bound. Never call back into {@code RelayCore.close()} from here.
 */
public interface ParticipantSink {

    /**
     * Queues one media packet. The same buffer object is shared by every receiver and only borrowed for the
     * call: keep it with {@code retainedDuplicate()} or {@code retainedSlice()} (each receiver needs its own
     * reader index; a plain {@code retain()} would share one), and never modify its bytes.
     */
    void sendMedia(ByteBuf packet);

    /**
     * Queues one media packet from a closed-loop sender: a replay, and the live packets queued behind it. Such a
     * sender keeps at most a window of bytes in this sink (it watches {@link #backlogBytes()}), so the sink takes
     * the packet without its drop policy: a replay is never cut short because the joiner's own queue is full.
     * Borrowed, as with {@link #sendMedia}.
     */
    default void sendCatchUp(ByteBuf packet) {
        sendMedia(packet);
    }

    /** Bytes queued in this sink that its transport has not taken yet (what a closed-loop sender watches). */
    default long backlogBytes() {
        return 0;
    }

    /**
     * Bytes for this receiver that have not left the relay yet: {@link #backlogBytes()} and what the transport below
     * the sink still holds (a channel's outbound buffer, which fills up to its high-water mark before the sink's own
     * queue grows, and empties into the queue's drain in steps). What the auto layer watches: a congested receiver
     * shows here as one steady backlog, not as a queue that stays put while the transport works off its share.
     * Any thread, approximate.
     */
    default long unsentBytes() {
        return backlogBytes();
    }

    /**
     * Runs {@code wakeup} once, on any thread, when the backlog has fallen to {@code bytes} or below or the sink is
     * closing (at once if it already has). One waiter at a time: the participant's replay thread.
     */
    default void whenBacklogAtMost(long bytes, Runnable wakeup) {
        wakeup.run();
    }

    /**
     * The receiver unsubscribed from {@code senderId}'s stream {@code streamId}: media of it queued here before this
     * call should be dropped rather than sent (what is queued after it, a later subscription's, is not). Optional:
     * a sink that does nothing only sends the receiver a little more than it asked for.
     */
    default void purge(long senderId, int streamId) {
    }

    /**
     * Whether anyone receives this participant's stream {@code streamId} changed: {@code wanted} when it got its
     * first receiver, false when it lost its last (not when the stream ends). What an edge relay's stand-in publisher
     * turns into SUBSCRIBE and UNSUBSCRIBE at the origin (docs/CLUSTER.md); other sinks ignore it.
     */
    default void demand(int streamId, boolean wanted) {
    }

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
