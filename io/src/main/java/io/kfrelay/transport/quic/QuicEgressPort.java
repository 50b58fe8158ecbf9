package io.kfrelay.transport.quic;

import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.MessageType;
import io.kfrelay.transport.EgressPort;
import io.kfrelay.transport.quic.QuicMetrics.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionStats;
import io.netty.handler.codec.quic.QuicStreamChannel;

import java.util.concurrent.TimeUnit;

/**
 * The QUIC half of a connection's sink: media goes out as DATAGRAM frames on the connection, within the
 * connection's {@link DatagramCredit}; control goes on the control stream (length-prefixed by the stream's
 * pipeline). A media packet larger than the peer's maximum datagram size is not sent, and counted.
 *
 * <p>An edge relay's link ({@link #mediaOnStream}) gets its media on the control stream instead: reliable and in
 * order, so the edge's keyframe and GOP caches, primed from this relay's, have no holes; QUIC's congestion control
 * paces it and the sink's backlog rules bound it as for a WebSocket.
 *
 * <p>When the credit runs out the drain stops, and a short timer looks again at what quiche has sent; once half
 * the credit is back it wakes the sink ({@code onWritable}).
 */
final class QuicEgressPort implements EgressPort {
    /** How often a stalled connection looks whether quiche has sent its backlog. */
    private static final long CREDIT_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** A closing connection's peer normally closes once it sees the control stream end; then we do. */
    private static final long GOODBYE_GRACE_MILLIS = 1000;

    private final QuicChannel connection;
    private final QuicMetrics metrics;
    private final DatagramCredit credit;
    private final Runnable recheck = this::recheckCredit;
    private Runnable onWritable = () -> { };
    private volatile QuicStreamChannel control;
    private volatile boolean creditStalled;
    /** Media goes on the control stream (an edge relay's link); set once, before its first packet. */
    private volatile boolean mediaOnStream;
    // Event loop only.
    private int maxDatagramBytes;
    private boolean controlWritten;

    QuicEgressPort(QuicChannel connection, long creditBytes, long creditDatagrams, QuicMetrics metrics) {
        this.connection = connection;
        this.metrics = metrics;
        this.credit = new DatagramCredit(creditBytes, creditDatagrams);
    }

    /** What to call when the port can take data again (the sink's onWritabilityChanged). */
    void onWritable(Runnable r) {
        onWritable = r;
    }

    /** The peer's control stream, once it is open. */
    void controlStream(QuicStreamChannel stream) {
        control = stream;
    }

    /** The largest datagram the peer accepts (from the datagram extension event). Event loop. */
    void maxDatagramBytes(int bytes) {
        maxDatagramBytes = bytes;
    }

    int maxDatagramBytes() {
        return maxDatagramBytes;
    }

    /** From now on media goes on the control stream, reliably and in order (an edge relay's link). */
    void mediaOnStream() {
        mediaOnStream = true;
    }

    @Override
    public EventLoop eventLoop() {
        return connection.eventLoop();
    }

    @Override
    public boolean isOpen() {
        return connection.isOpen();
    }

    @Override
    public boolean isWritable() {
        QuicStreamChannel s = control;
        return !creditStalled && (s == null || s.isWritable());
    }

    @Override
    public boolean canWrite(ByteBuf next) {
        if (mediaOnStream || !isMedia(next)) {
            QuicStreamChannel s = control;
            return s == null || s.isWritable();
        }
        int length = next.readableBytes();
        if (length > maxDatagramBytes || credit.tryAcquire(length, this::stats)) {
            return true; // an oversized packet "writes" by being counted and dropped
        }
        if (!creditStalled) {
            creditStalled = true;
            metrics.increment(Counter.CREDIT_STALLS);
            connection.eventLoop().schedule(recheck, CREDIT_RECHECK_NANOS, TimeUnit.NANOSECONDS);
        }
        return false;
    }

    private static boolean isMedia(ByteBuf message) {
        return ControlCodec.peekType(message) == MessageType.MEDIA;
    }

    private QuicConnectionStats stats() {
        return connection.collectStats().getNow(); // on the event loop it completes at once
    }

    private void recheckCredit() {
        if (!connection.isOpen()) {
            creditStalled = false;
            return;
        }
        if (credit.recovered(stats())) {
            creditStalled = false;
            onWritable.run();
        } else {
            connection.eventLoop().schedule(recheck, CREDIT_RECHECK_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void write(ByteBuf message) {
        if (!mediaOnStream && isMedia(message)) {
            if (message.readableBytes() > maxDatagramBytes) {
                metrics.increment(Counter.DATAGRAMS_OVERSIZED);
                message.release();
                return;
            }
            metrics.increment(Counter.DATAGRAMS_SENT);
            connection.write(message, connection.voidPromise());
            return;
        }
        QuicStreamChannel s = control;
        if (s == null) {
            message.release(); // cannot happen: control follows a JOIN, which came on the stream
            return;
        }
        s.write(message, s.voidPromise());
        controlWritten = true;
    }

    @Override
    public void flush() {
        connection.flush();
        if (controlWritten) {
            controlWritten = false;
            control.flush();
        }
    }

    /** Ends the control stream (FIN after what is queued); the peer closes then, or we do after a grace period. */
    @Override
    public void goodbye() {
        QuicStreamChannel s = control;
        if (s == null) {
            connection.close();
            return;
        }
        s.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> s.shutdownOutput());
        connection.eventLoop().schedule(() -> {
            connection.close();
        }, GOODBYE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        connection.close();
    }
}
