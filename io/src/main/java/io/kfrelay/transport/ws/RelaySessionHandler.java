package io.kfrelay.transport.ws;

import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.pipeline.RelaySession;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlCodec.Decoded;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ControlMessage.Join;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.ControlMessage.KeyframeRequest;
import io.kfrelay.protocol.ControlMessage.Leave;
import io.kfrelay.protocol.ControlMessage.ParticipantJoined;
import io.kfrelay.protocol.ControlMessage.ParticipantLeft;
import io.kfrelay.protocol.ControlMessage.Ping;
import io.kfrelay.protocol.ControlMessage.Pong;
import io.kfrelay.protocol.ControlMessage.StreamEnded;
import io.kfrelay.protocol.ControlMessage.StreamStarted;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.MessageType;
import io.kfrelay.security.ConnectionGuard;
import io.kfrelay.security.JoinDecision;
import io.kfrelay.security.SecurityGate;
import io.kfrelay.transport.ChannelSink;
import io.kfrelay.transport.TransportMetrics;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The kfrelay session of one connection. The first message must be a JOIN, which becomes a
 * {@link RelaySession}; after it, media and control go into the relay core, and the connection's
 * {@link ChannelSink} is the core's way back. PING is answered here. Anything malformed or out of place is
 * answered with an ERROR and a close, counted, and costs nobody else anything. A disconnect is a leave.
 *
 * <p>Event loop only, except {@link #requestKeyframe}, which the sink calls from the shard consumer.
 */
final class RelaySessionHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(RelaySessionHandler.class.getName());

    private enum State { UPGRADING, AWAITING_JOIN, JOINED, CLOSING }

    private final RelayCore core;
    private final WsSettings settings;
    private final TransportMetrics metrics;
    private final SecurityGate gate;
    /** This connection's admission state and ingress budget; null if the gate refused the connection. */
    private ConnectionGuard guard;
    private ChannelHandlerContext ctx;
    private ChannelSink sink;
    private State state = State.UPGRADING;
    /** Written on the event loop, read by the shard consumer through {@link #requestKeyframe}. */
    private volatile RelaySession session;
    private ScheduledFuture<?> joinTimer;

    RelaySessionHandler(RelayCore core, WsSettings settings, TransportMetrics metrics, SecurityGate gate) {
        this.gate = gate;
        this.core = core;
        this.settings = settings;
        this.metrics = metrics;
    }

    // ------------------------------------------------------------------ connection lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // Here rather than in channelActive: a shutdown event may reach the handler before the channel is active.
        this.ctx = ctx;
        sink = new ChannelSink(ctx.channel(), settings.framing().newFraming(), settings.sinkLimits(), this::requestKeyframe,
                metrics, settings.closeTimeout());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.increment(Counter.CONNECTIONS_OPENED);
        guard = gate.open(ctx.channel().remoteAddress());
        if (guard == null) {
            // Its address has too many connections that have not joined (counted by the gate): not even a WebSocket.
            state = State.CLOSING;
            ctx.close();
            return;
        }
        joinTimer = ctx.executor().schedule(this::joinTimedOut, settings.joinTimeout().toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        switch (evt) {
            case HandshakeComplete h -> {
                if (state == State.UPGRADING) {
                    state = State.AWAITING_JOIN;
                }
            }
            case Rejection r -> refuse(r.code(), r.reason());
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
        state = State.CLOSING;
        cancelJoinTimer();
        if (guard != null) {
            guard.closed();
        }
        RelaySession s = session;
        if (s != null) {
            s.leave(); // a disconnect is a leave; idempotent after LEAVE or a refusal
        }
        sink.onInactive();
        metrics.increment(Counter.CONNECTIONS_CLOSED);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            metrics.increment(Counter.IO_ERRORS); // reset by peer and the like: routine, not worth a log line
        } else {
            metrics.increment(Counter.INTERNAL_ERRORS);
            LOG.log(System.Logger.Level.WARNING, "closing " + ctx.channel() + " after an unexpected error", cause);
        }
        ctx.close();
    }

    private void joinTimedOut() {
        switch (state) {
            case UPGRADING -> {
                metrics.increment(Counter.JOIN_TIMEOUTS);
                ctx.close(); // not even a WebSocket yet: nothing to say it with
            }
            case AWAITING_JOIN -> {
                metrics.increment(Counter.JOIN_TIMEOUTS);
                refuse(ErrorCodes.NOT_JOINED, "no JOIN within " + settings.joinTimeout().toMillis() + " ms");
            }
            case JOINED, CLOSING -> {
            }
        }
    }

    private void relayShuttingDown() {
        switch (state) {
            case UPGRADING -> ctx.close();
            case AWAITING_JOIN -> refuse(ErrorCodes.RELAY_SHUTTING_DOWN, "relay is shutting down");
            case JOINED, CLOSING -> {
                // Joined participants hear it from the core, in order after what it already sent them.
            }
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
        if (state == State.CLOSING) {
            message.release();
            return;
        }
        int length = message.readableBytes();
        switch (guard.admit(length)) {
            case ADMIT -> {
            }
            case DROP -> {
                message.release(); // over this connection's rate: dropped and counted by the gate
                return;
            }
            case DISCONNECT -> {
                message.release();
                refuse(ErrorCodes.RATE_LIMITED, "sending faster than this relay's ingress limit allows, for too long");
                return;
            }
        }
        if (ControlCodec.peekType(message) == MessageType.MEDIA) {
            onMedia(message);
            return;
        }
        if (guard.controlTooLarge(length)) {
            message.release();
            refuse(DecodeStatus.TOO_LARGE.code(), "control message of " + length + " bytes, larger than this relay's limit of "
                    + gate.maxControlBytes());
            return;
        }
        try {
            onControl(ControlCodec.decode(message));
        } finally {
            message.release();
        }
    }

    private void onMedia(ByteBuf packet) {
        RelaySession s = session;
        if (s == null) {
            packet.release();
            notJoined("MEDIA");
            return;
        }
        metrics.countIngress(packet.readableBytes());
        DecodeStatus status = s.publish(packet); // ownership passes, whatever the outcome
        if (status != DecodeStatus.OK) {
            metrics.countMalformed(status);
            refuse(status.code(), "malformed MEDIA packet: " + io.kfrelay.protocol.MediaHeader.problem(status));
        }
    }

    private void onControl(Decoded decoded) {
        switch (decoded) {
            case Decoded.Rejected r -> {
                metrics.countMalformed(r.reason());
                refuse(r.reason().code(), r.detail());
            }
            case Decoded.Ok(ControlMessage m) -> onControl(m);
        }
    }

    private void onControl(ControlMessage message) {
        switch (message) {
            case Join j -> join(j);
            case Ping p -> reply(new Pong(p.nonce()));
            case Pong p -> {
                // The relay sends no PING yet; an answer to none is harmless.
            }
            case Leave l -> leave();
            case KeyframeRequest k -> {
                RelaySession s = session;
                if (s == null) {
                    notJoined("KEYFRAME_REQUEST");
                } else {
                    s.requestKeyframe(k.senderId(), k.streamId());
                }
            }
            case StreamEnded e -> {
                RelaySession s = session;
                if (s == null) {
                    notJoined("STREAM_ENDED");
                } else {
                    s.endStream(e.streamId()); // the id the client wrote is ignored: only its own streams
                }
            }
            case Joined _, ParticipantJoined _, ParticipantLeft _, StreamStarted _, ControlMessage.Error _ -> {
                metrics.countMalformed(DecodeStatus.UNKNOWN_TYPE);
                refuse(DecodeStatus.UNKNOWN_TYPE.code(), message.type() + " is sent by the relay, never by clients");
            }
        }
    }

    private void join(Join join) {
        RelaySession s = session;
        if (s != null) {
            metrics.increment(Counter.ALREADY_JOINED);
            refuse(ErrorCodes.ALREADY_JOINED, "this connection has already joined room " + s.room());
            return;
        }
        // Token, allow-list and per-address JOIN rate; a refusal is counted by the gate.
        switch (guard.join(join.room(), join.identity(), join.token())) {
            case JoinDecision.Refuse(int code, String reason) -> refuse(code, reason);
            case JoinDecision.Admit(var grants) -> {
                cancelJoinTimer();
                state = State.JOINED;
                metrics.increment(Counter.JOINS);
                session = core.join(join.room(), join.identity(), grants, sink);
            }
        }
    }

    private void leave() {
        state = State.CLOSING;
        cancelJoinTimer();
        RelaySession s = session;
        if (s != null) {
            s.leave();
        }
        sink.close(); // writes what is queued, then a normal close
    }

    private void reply(ControlMessage message) {
        sink.sendControl(ControlCodec.encode(message, ctx.alloc()));
        sink.flush();
    }

    private void notJoined(String what) {
        metrics.increment(Counter.NOT_JOINED);
        refuse(ErrorCodes.NOT_JOINED, what + " before JOIN: the first message must be a JOIN");
    }

    /**
     * Ends the connection over bad input: leaves the room, queues ERROR(code, reason) behind what is already
     * queued, then closes. Everything the peer sends meanwhile is discarded.
     */
    private void refuse(int code, String reason) {
        if (state == State.CLOSING) {
            return;
        }
        state = State.CLOSING;
        cancelJoinTimer();
        RelaySession s = session;
        if (s != null) {
            s.leave();
        }
        sink.sendControl(ControlCodec.encode(new ControlMessage.Error(code, reason), ctx.alloc()));
        sink.flush();
        sink.close();
    }

    // ------------------------------------------------------------------ egress back-channel

    /** The sink dropped video of this stream and wants a keyframe (shard consumer thread). */
    private void requestKeyframe(long senderId, int streamId) {
        RelaySession s = session;
        if (s != null) {
            s.requestKeyframe(senderId, streamId);
        }
    }
}
