package io.kfrelay.replay;

import io.kfrelay.cache.CacheBudget;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.internal.PlatformDependent;

import java.util.Queue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What arrives for a joiner while its replay runs: live media and control messages, in order. The shard consumer
 * offers (one producer), the replay thread takes and sends them with the same closed loop as the replay (one
 * consumer), and whatever is left when the replay thread is done the consumer hands over itself. So per stream the
 * joiner sees one sequence: the cached packets, then live, with no gap and no duplicate.
 *
 * <p>Bounded in bytes of media by a limit derived from the replay ({@link #boundFor}): a joiner whose link carries
 * the room's bitrate never reaches it, and one that does cannot keep up and is moved forward (see {@link ReplayJob}).
 * Every queued media byte is also charged to the relay-wide {@link CacheBudget}. Control is never refused: there is
 * at most one message per membership event.
 */
public final class CatchUpQueue {
    private static final int PURGE_MARKER_BYTES = 10;

    private final Queue<ByteBuf> items = PlatformDependent.newSpscQueue();
    private final CacheBudget budget;
    private final long boundBytes;
    private final AtomicLong mediaBytes = new AtomicLong();
    private int offered;

    public CatchUpQueue(CacheBudget budget, long boundBytes) {
        this.budget = budget;
        this.boundBytes = boundBytes;
    }

    /**
     * The bound for a replay of {@code replayBytes}: while a joiner drains the replay at a rate R at least the
     * room's bitrate b, live packets pile up to replayBytes x b / R < replayBytes, plus a keyframe arriving at once.
     * Twice the replay plus one keyframe leaves room for bursts; a joiner that still reaches it is behind for good.
     */
    public static long boundFor(long replayBytes, long keyframeCapBytes) {
        return 2 * replayBytes + keyframeCapBytes;
    }

    /** Consumer: queues a live media packet (retained here) if it fits; false when the joiner cannot keep up. */
    public boolean offerMedia(ByteBuf packet) {
        int length = packet.readableBytes();
        if (mediaBytes.get() + length > boundBytes || !budget.tryReserveQueued(length)) {
            return false;
        }
        mediaBytes.addAndGet(length);
        items.offer(packet.retain());
        offered++;
        return true;
    }

    /** The key of a (sender, stream) pair in a purge request. */
    public static long key(long senderId, int streamId) {
        return senderId << 16 | streamId;
    }

    /**
     * Consumer: the receiver unsubscribed from a stream; the taker passes this on to the sink
     * ({@code ParticipantSink.purge}) when it gets here, after what was queued before it.
     */
    public void offerPurge(long key) {
        ByteBuf marker = Unpooled.buffer(PURGE_MARKER_BYTES, PURGE_MARKER_BYTES);
        marker.writeByte(0).writeByte(0).writeLong(key); // version 0: never a protocol message
        items.offer(marker);
        offered++;
    }

    /** The (sender, stream) key of a purge request taken from the queue, or -1 if {@code item} is a message. */
    public static long purgeKey(ByteBuf item) {
        if (item.readableBytes() != PURGE_MARKER_BYTES || item.getByte(item.readerIndex()) != 0) {
            return -1;
        }
        return item.getLong(item.readerIndex() + 2);
    }

    /** Consumer: queues a control message; ownership passes. */
    public void offerControl(ByteBuf message) {
        items.offer(message);
        offered++;
    }

    /**
     * The next item, media or control ({@link #isMedia}), or null. The one taker at a time: the replay
     * thread while it runs, the consumer after the hand-over. Media comes with the queue's reference.
     */
    public ByteBuf poll() {
        ByteBuf item = items.poll();
        if (item != null && isMedia(item)) {
            int length = item.readableBytes();
            mediaBytes.addAndGet(-length);
            budget.releaseQueued(length);
        }
        return item;
    }

    /** Whether a queued item is a media packet (else a control message or a purge request). */
    public static boolean isMedia(ByteBuf item) {
        return ControlCodec.peekType(item) == MessageType.MEDIA;
    }

    /** Releases everything still queued (the joiner left). Only the current taker may call it. */
    public void releaseAll() {
        ByteBuf item;
        while ((item = poll()) != null) {
            item.release();
        }
    }

    /** Bytes of media waiting. */
    public long mediaBytes() {
        return mediaBytes.get();
    }

    public long boundBytes() {
        return boundBytes;
    }

    /** Items offered so far (consumer's view; for the replay event). */
    public int offered() {
        return offered;
    }
}
