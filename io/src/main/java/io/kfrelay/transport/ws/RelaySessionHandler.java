package io.kfrelay.transport.ws;

import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.pipeline.RelaySession;
import io.kfrelay.protocol.ControlCodec;
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
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The kfrelay session of one WebSocket connection. The first message must be a JOIN, which becomes a
 * {@link RelaySession}; after it, media and control go into the relay core, and the connection's
 * {@link ChannelSink} is the core's way back. The protocol itself is {@link SessionControl}'s; this handler adds
 * the upgrade, the join timer and the channel's lifecycle. A disconnect is a leave.
 *
 * <p>Event loop only, except the sink's keyframe requests, which {@link SessionControl} takes on the shard consumer.
 */
final class RelaySessionHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(RelaySessionHandler.class.getName());

    private final RelayCore core;
    private final WsSettings settings;
    private final TransportMetrics metrics;
    private final SecurityGate gate;
    private final RoomPlacement placement;
    private ChannelHandlerContext ctx;
    private ChannelSink sink;
    /** Set before the sink can reach the core, so the sink's keyframe requests always find it. */
    private SessionControl control;
    /** The WebSocket handshake is done: until then there is no way to say an ERROR, only to close. */
    private boolean upgraded;
    private ScheduledFuture<?> joinTimer;

    RelaySessionHandler(RelayCore core, WsSettings settings, TransportMetrics metrics, SecurityGate gate,
                        RoomPlacement placement) {
        this.gate = gate;
        this.placement = placement;
        this.core = core;
        this.settings = settings;
        this.metrics = metrics;
    }

    // ------------------------------------------------------------------ connection lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // Here rather than in channelActive: a shutdown event may reach the handler before the channel is active.
        this.ctx = ctx;
        sink = new ChannelSink(ctx.channel(), settings.framing().newFraming(), settings.sinkLimits(),
                (sender, stream) -> control.requestKeyframe(sender, stream), metrics, settings.closeTimeout());
        control = new SessionControl(core, gate, placement, ctx.executor(), sink, metrics, ctx.alloc(),
                phase -> cancelJoinTimer());
        control.onPlaced(this::onMessage);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.increment(Counter.CONNECTIONS_OPENED);
        if (!control.open(ctx.channel().remoteAddress())) {
            ctx.close(); // not even a WebSocket
            return;
        }
        joinTimer = ctx.executor().schedule(this::joinTimedOut, settings.joinTimeout().toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        switch (evt) {
            case HandshakeComplete h -> upgraded = true;
            case Rejection r -> control.refuse(r.code(), r.reason());
            case RelayShutdown s -> relayShuttingDown();
            default -> ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        sink.onWritabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        control.disconnected();
        sink.onInactive();
        metrics.increment(Counter.CONNECTIONS_CLOSED);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause.getCause() instanceof SSLException) {
            // Reset by peer and the like, and on a TLS port failed handshakes (a client that does not trust the
            // certificate, plain http to https): routine, not worth a log line.
            metrics.increment(Counter.IO_ERRORS);
        } else {
            metrics.increment(Counter.INTERNAL_ERRORS);
            LOG.log(System.Logger.Level.WARNING, "closing " + ctx.channel() + " after an unexpected error", cause);
        }
        ctx.close();
    }

    private void joinTimedOut() {
        if (upgraded) {
            control.joinTimedOut(settings.joinTimeout());
        } else if (control.phase() == Phase.AWAITING_JOIN) {
            metrics.increment(Counter.JOIN_TIMEOUTS);
            ctx.close(); // not even a WebSocket yet: nothing to say it with
        }
    }

    private void relayShuttingDown() {
        if (upgraded) {
            control.relayShuttingDown();
        } else if (control.phase() == Phase.AWAITING_JOIN) {
            ctx.close();
        }
    }

    private void cancelJoinTimer() {
        if (joinTimer != null) {
            joinTimer.cancel(false);
            joinTimer = null;
        }
    }

    // ------------------------------------------------------------------ inbound messages

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf message) {
            onMessage(message);
        } else {
            ReferenceCountUtil.release(msg); // nothing else reaches this far
        }
    }

    /** One protocol message, owned by this call: released here or handed to the relay. */
    private void onMessage(ByteBuf message) {
        if (control.isClosing()) {
            message.release();
            return;
        }
        if (control.holdIfPlacing(message)) {
            return; // the JOIN waits for the cluster: replayed through here once joined
        }
        // Media counts against the ingress rate too, joined or not.
        if (!control.withinRate(message)) {
            return;
        }
        if (ControlCodec.peekType(message) == MessageType.MEDIA) {
            onMedia(message);
        } else {
            control.onControl(message);
        }
    }

    private void onMedia(ByteBuf packet) {
        RelaySession s = control.session();
        if (s == null) {
            packet.release();
            control.notJoined("MEDIA");
            return;
        }
        metrics.countIngress(packet.readableBytes());
        DecodeStatus status = s.publish(packet); // ownership passes, whatever the outcome
        if (status != DecodeStatus.OK) {
            control.malformedMedia(status);
        }
    }
}
