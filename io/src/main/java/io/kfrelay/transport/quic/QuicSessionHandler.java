package io.kfrelay.transport.quic;

import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.pipeline.RelaySession;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage.Ping;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.MessageType;
import io.kfrelay.security.SecurityGate;
import io.kfrelay.transport.ChannelSink;
import io.kfrelay.transport.RoomPlacement;
import io.kfrelay.transport.SessionControl;
import io.kfrelay.transport.SessionControl.Phase;
import io.kfrelay.transport.TransportMetrics;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionStats;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.util.concurrent.TimeUnit;

/**
 * The kfrelay session of one QUIC connection, on the connection's channel. Media arrives here as datagrams;
 * control arrives from the connection's one control stream ({@link ControlStreamHandler}). The first control
 * message must be a JOIN. The connection's {@link ChannelSink} over a {@link QuicEgressPort} is the relay core's
 * way back. The protocol itself (JOIN, refusals with an ERROR on the control stream) is {@link SessionControl}'s;
 * this handler adds the control stream, keep-alive PINGs, the timers and the connection's lifecycle. A connection
 * that closes for any reason, the idle timeout included, leaves its room exactly as with LEAVE.
 *
 * <p>Media datagrams that overtake the JOIN (datagrams and the stream are not ordered with each other) are
 * dropped and counted, not refused. Event loop only, except the sink's keyframe requests, which
 * {@link SessionControl} takes on the shard consumer.
 */
final class QuicSessionHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(QuicSessionHandler.class.getName());

    private final RelayCore core;
    private final QuicSettings settings;
    private final QuicMetrics metrics;
    private final TransportMetrics sessions;
    private final SecurityGate gate;
    private final RoomPlacement placement;
    private QuicChannel connection;
    private QuicEgressPort port;
    private ChannelSink sink;
    /** Set before the sink can reach the core, so the sink's keyframe requests always find it. */
    private SessionControl control;
    private QuicStreamChannel controlStream;
    private ScheduledFuture<?> joinTimer;
    private ScheduledFuture<?> keepAliveTimer;
    private long pingNonce;

    QuicSessionHandler(RelayCore core, QuicSettings settings, QuicMetrics metrics, SecurityGate gate,
                       RoomPlacement placement) {
        this.gate = gate;
        this.placement = placement;
        this.core = core;
        this.settings = settings;
        this.metrics = metrics;
        this.sessions = metrics.sessions();
    }

    // ------------------------------------------------------------------ connection lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        connection = (QuicChannel) ctx.channel();
        port = new QuicEgressPort(connection, settings.creditBytes(), settings.creditDatagrams(), metrics);
        sink = new ChannelSink(port, settings.sinkLimits(), (sender, stream) -> control.requestKeyframe(sender, stream),
                sessions, settings.closeTimeout());
        port.onWritable(sink::onWritabilityChanged);
        control = new SessionControl(core, gate, placement, ctx.executor(), sink, sessions, ctx.alloc(),
                this::entered);
        control.onPlaced(this::onControlMessage);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        sessions.increment(Counter.CONNECTIONS_OPENED);
        if (!control.open(connection.remoteSocketAddress())) {
            ctx.close(); // no control stream yet
            return;
        }
        joinTimer = ctx.executor().schedule(this::joinTimedOut, settings.joinTimeout().toNanos(), TimeUnit.NANOSECONDS);
        long every = settings.keepAlive().toNanos();
        if (every > 0) {
            keepAliveTimer = ctx.executor().scheduleAtFixedRate(this::keepAlive, every, every, TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        switch (evt) {
            case QuicDatagramExtensionEvent e -> port.maxDatagramBytes(e.maxLength());
            case SslHandshakeCompletionEvent e when !e.isSuccess() -> metrics.increment(QuicMetrics.Counter.HANDSHAKE_FAILURES);
            case QuicShutdown s -> control.relayShuttingDown();
            default -> { }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        control.disconnected(); // a vanished or closed peer leaves like LEAVE
        sink.onInactive();
        sessions.increment(Counter.CONNECTIONS_CLOSED);
        if (connection.isTimedOut()) {
            metrics.increment(QuicMetrics.Counter.IDLE_TIMEOUTS);
        }
        QuicConnectionStats stats = connection.collectStats().getNow();
        if (stats != null) {
            metrics.add(QuicMetrics.Counter.PACKETS_LOST, stats.lost());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof BufferUnderflowException) {
            // A datagram the peer's limit refused after all (the size check raced the extension event): dropped.
            metrics.increment(QuicMetrics.Counter.DATAGRAMS_OVERSIZED);
            return;
        }
        if (cause instanceof IOException) {
            sessions.increment(Counter.IO_ERRORS);
        } else {
            sessions.increment(Counter.INTERNAL_ERRORS);
            LOG.log(System.Logger.Level.WARNING, "closing " + ctx.channel() + " after an unexpected error", cause);
        }
        ctx.close();
    }

    private void joinTimedOut() {
        control.joinTimedOut(settings.joinTimeout());
    }

    private void keepAlive() {
        if (controlStream != null && !control.isClosing()) {
            control.send(new Ping(++pingNonce));
        }
    }

    /**
     * JOINED ends the join timer's job (and an edge relay's link gets its media on the stream from here on); CLOSING
     * ends the keep-alive's too.
     */
    private void entered(Phase entered) {
        if (entered == Phase.JOINED && control.isRelayLink()) {
            port.mediaOnStream(); // an edge relay's link: its caches must stay gap-free (docs/CLUSTER.md)
        }
        if (joinTimer != null) {
            joinTimer.cancel(false);
            joinTimer = null;
        }
        if (entered == Phase.CLOSING && keepAliveTimer != null) {
            keepAliveTimer.cancel(false);
            keepAliveTimer = null;
        }
    }

    // ------------------------------------------------------------------ inbound: datagrams

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf datagram) {
            metrics.increment(QuicMetrics.Counter.DATAGRAMS_RECEIVED);
            onMedia(datagram, false);
        } else {
            ctx.fireChannelRead(msg); // a new stream: Netty registers it at the end of the pipeline
        }
    }

    /** One media packet, owned by this call; {@code reliable} when it came on the control stream. */
    private void onMedia(ByteBuf packet, boolean reliable) {
        RelaySession s = control.session();
        if (s == null || control.isClosing()) {
            packet.release();
            if (control.phase() == Phase.AWAITING_JOIN || control.phase() == Phase.PLACING) {
                if (reliable) {
                    control.notJoined("MEDIA");
                } else {
                    sessions.increment(Counter.NOT_JOINED); // it may have overtaken the JOIN: dropped, not refused
                }
            }
            return;
        }
        if (!control.withinRate(packet)) {
            return;
        }
        sessions.countIngress(packet.readableBytes());
        DecodeStatus status = s.publish(packet); // ownership passes, whatever the outcome
        if (status != DecodeStatus.OK) {
            control.malformedMedia(status);
        }
    }

    // ------------------------------------------------------------------ inbound: the control stream

    /** A new stream from the peer: the first becomes the control stream, any other is refused. */
    boolean acceptStream(QuicStreamChannel stream) {
        if (controlStream != null || control.isClosing()) {
            metrics.increment(QuicMetrics.Counter.EXTRA_STREAMS_REFUSED);
            return false;
        }
        controlStream = stream;
        port.controlStream(stream);
        return true;
    }

    /** One message from the control stream, owned by this call. */
    void onControlMessage(ByteBuf message) {
        if (control.isClosing()) {
            message.release();
            return;
        }
        if (control.holdIfPlacing(message)) {
            return; // the JOIN waits for the cluster: replayed through here once joined (datagrams are dropped)
        }
        if (ControlCodec.peekType(message) == MessageType.MEDIA) {
            onMedia(message, true); // rated there, once joined
            return;
        }
        if (control.withinRate(message)) {
            control.onControl(message);
        }
    }

    /** The stream's framing refused a message (already counted): answer like a malformed one. */
    void onControlRejected(DecodeStatus status, String reason) {
        control.malformed(status, reason);
    }

    /** The control stream's writability changed: the sink may drain again. */
    void onControlWritabilityChanged() {
        sink.onWritabilityChanged();
    }

    /** The peer ended its control stream: that is a LEAVE, and the end of the connection. */
    void onControlStreamEnded() {
        control.leave(); // nothing if the session already ended
    }
}
