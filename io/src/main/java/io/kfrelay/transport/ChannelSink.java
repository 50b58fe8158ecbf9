package io.kfrelay.transport;

import io.kfrelay.egress.ParticipantSink;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

import java.time.Duration;

/**
 * One connection's egress: the relay core's {@link ParticipantSink} for a Netty channel (WebSocket) or any other
 * {@link EgressPort} (QUIC: datagrams and a stream). Three parts, each with one role:
 * <ul>
 *   <li>{@link EgressQueue}: the bounded MPSC queue, one drain task per burst on the connection's event loop, the
 *       close sequence, an unsubscribe's purge of the stream's queued media ({@link PurgeFences}), each buffer
 *       released exactly once;</li>
 *   <li>{@link MediaAdmission}: which media gets into that queue (video deltas go first, a stream that lost video
 *       resumes at its next keyframe, one keyframe request per loss once drained);</li>
 *   <li>{@link StallWatch}: a receiver that drops media and does not drain for the stall timeout is told (ERROR
 *       TOO_SLOW) and disconnected.</li>
 * </ul>
 * Nothing here blocks or takes a lock, so a slow receiver costs nobody else anything. Control is never dropped; a
 * receiver so far behind that even control does not fit under the hard caps is disconnected.
 *
 * <p>Buffers: media is borrowed (a retained duplicate is queued, so the shared packet's indices stay untouched),
 * control is owned.
 */
public final class ChannelSink implements ParticipantSink {
    private final EgressPort port;
    private final EgressQueue queue;
    private final MediaAdmission admission;
    private final StallWatch stall;

    /**
     * @param closeTimeout how long a closing connection may take to write out its queue before it is cut off
     */
    public ChannelSink(Channel channel, EgressFraming framing, SinkLimits limits, KeyframeRequester keyframes,
                       TransportMetrics metrics, Duration closeTimeout) {
        this(EgressPort.of(channel, framing), limits, keyframes, metrics, closeTimeout);
    }

    /**
     * @param port         where the drain writes (the transport's half of the sink)
     * @param closeTimeout how long a closing connection may take to write out its queue before it is cut off
     */
    public ChannelSink(EgressPort port, SinkLimits limits, KeyframeRequester keyframes, TransportMetrics metrics,
                       Duration closeTimeout) {
        this.port = port;
        this.queue = new EgressQueue(port, limits, metrics, closeTimeout, this::drained);
        this.admission = new MediaAdmission(limits, queue.budget(), keyframes, metrics);
        this.stall = new StallWatch(queue, port, limits, metrics);
    }

    // ------------------------------------------------------------------ producers (any thread, never block)

    @Override
    public void sendMedia(ByteBuf packet) {
        if (!queue.isOpen()) {
            return; // borrowed: nothing to release
        }
        MediaAdmission.Verdict verdict = admission.admit(packet);
        if (verdict == MediaAdmission.Verdict.ADMITTED) {
            queue.enqueueReserved(packet.retainedDuplicate(), packet.readableBytes());
        } else if (verdict == MediaAdmission.Verdict.DROPPED) {
            stall.onDrop();
        }
    }

    /**
     * Media from the joiner's replay (and the live packets that queued behind it): the replay keeps at most its
     * window here, so the drop policy does not apply, only the hard caps; past them (a window larger than the caps)
     * the packet is dropped as an ordinary one would be.
     */
    @Override
    public void sendCatchUp(ByteBuf packet) {
        if (!queue.isOpen()) {
            return;
        }
        if (!queue.enqueueCatchUp(packet)) {
            sendMedia(packet);
        }
    }

    @Override
    public long backlogBytes() {
        return queue.budget().bytes();
    }

    /** The queue's bytes and what the port holds of what the drain wrote (a channel's outbound buffer). */
    @Override
    public long unsentBytes() {
        return queue.budget().bytes() + port.heldBytes();
    }

    /** A replay waits for this receiver: the stall watch times the wait (a receiver that never reads is cut). */
    @Override
    public void whenBacklogAtMost(long bytes, Runnable wakeup) {
        stall.onSenderWaiting();
        queue.whenBacklogAtMost(bytes, () -> {
            stall.onSenderWoken();
            wakeup.run();
        });
    }

    /**
     * The receiver unsubscribed: its queued media of the stream is dropped as the drain meets it (not written, counted
     * as purged), what is queued after this call is kept, and the admission policy forgets the stream. Packets the
     * drain already handed to the transport (its socket buffers, or quiche's datagram queue within the credit) still
     * arrive.
     */
    @Override
    public void purge(long senderId, int streamId) {
        long key = StreamKeySet.key(senderId, streamId);
        admission.forget(key);
        queue.purge(key);
    }

    @Override
    public void sendControl(ByteBuf message) {
        queue.sendControl(message);
    }

    @Override
    public void flush() {
        queue.flush();
    }

    /** Relay-initiated end (join refused, kicked, relay shutting down): write what is queued, then close. */
    @Override
    public void close() {
        queue.close();
    }

    // ------------------------------------------------------------------ the channel's event loop

    private void drained() {
        stall.onDrained();
    }

    /** The channel's writability changed (event loop): resume draining if it can take data again. */
    public void onWritabilityChanged() {
        queue.onWritabilityChanged();
    }

    /** The channel is closed (event loop): nothing more is written; everything queued is released. */
    public void onInactive() {
        queue.onInactive();
    }

    /**
     * Releases everything queued. Only the queue's one consumer may call it: the event loop, or any thread
     * once that loop has terminated.
     */
    public void releaseQueued() {
        queue.releaseQueued();
    }

    // ------------------------------------------------------------------ inspection

    /** Messages waiting (approximate while producers run). */
    public int queuedMessages() {
        return queue.budget().messages();
    }

    /** Bytes waiting (approximate while producers run). */
    public long queuedBytes() {
        return queue.budget().bytes();
    }

    /** Purges whose fence the drain has not reached yet (tests). */
    int pendingPurges() {
        return queue.pendingPurges();
    }

    /** Streams this receiver skips until their next keyframe. Media callers' thread only (tests). */
    int awaitingKeyframeStreams() {
        return admission.awaitingStreams();
    }

    /** Whether the relay or the transport has asked this sink to close, or the connection is gone. */
    public boolean isClosing() {
        return queue.isClosing();
    }
}
