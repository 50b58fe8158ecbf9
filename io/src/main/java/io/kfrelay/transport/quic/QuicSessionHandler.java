package io.kfrelay.transport.quic;

import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.pipeline.RelaySession;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlCodec.Decoded;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ControlMessage.Join;
import io.kfrelay.protocol.ControlMessage.KeyframeRequest;
import io.kfrelay.protocol.ControlMessage.Leave;
import io.kfrelay.protocol.ControlMessage.Ping;
import io.kfrelay.protocol.ControlMessage.Pong;
import io.kfrelay.protocol.ControlMessage.StreamEnded;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.MessageType;
import io.kfrelay.security.ConnectionGuard;
import io.kfrelay.security.IngressLimiter;
import io.kfrelay.security.JoinDecision;
import io.kfrelay.security.SecurityGate;
import io.kfrelay.transport.ChannelSink;
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
 * way back. Anything malformed or out of place is answered with an ERROR on the control stream and a close. A
 * connection that closes for any reason, the idle timeout included, leaves its room exactly as with LEAVE.
 *
 * <p>Media datagrams that overtake the JOIN (datagrams and the stream are not ordered with each other) are
 * dropped and counted, not refused. Event loop only, except {@link #requestKeyframe} (shard consumer).
 */
final class QuicSessionHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(QuicSessionHandler.class.getName());

    private enum State { AWAITING_JOIN, JOINED, CLOSING }

    private final RelayCore core;
    private final QuicSettings settings;
    private final QuicMetrics metrics;
    private final TransportMetrics sessions;
    private final SecurityGate gate;
    /** This connection's admission state and ingress budget; null if the gate refused the connection. */
    private ConnectionGuard guard;
    private ChannelHandlerContext ctx;
    private QuicChannel connection;
    private QuicEgressPort port;
    private ChannelSink sink;
    private QuicStreamChannel control;
    private State state = State.AWAITING_JOIN;
    private volatile RelaySession session;
    private ScheduledFuture<?> joinTimer;
    private ScheduledFuture<?> keepAliveTimer;
    private long pingNonce;

    QuicSessionHandler(RelayCore core, QuicSettings settings, QuicMetrics metrics, SecurityGate gate) {
        this.gate = gate;
        this.core = core;
        this.settings = settings;
        this.metrics = metrics;
        this.sessions = metrics.sessions();
    }

    // ------------------------------------------------------------------ connection lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        connection = (QuicChannel) ctx.channel();
        port = new QuicEgressPort(connection, settings.creditBytes(), settings.creditDatagrams(), metrics);
        sink = new ChannelSink(port, settings.sinkLimits(), this::requestKeyframe, sessions, settings.closeTimeout());
        port.onWritable(sink::onWritabilityChanged);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        sessions.increment(Counter.CONNECTIONS_OPENED);
        guard = gate.open(connection.remoteSocketAddress());
        if (guard == null) {
            // Its address has too many connections that have not joined (counted by the gate): no control stream yet.
            state = State.CLOSING;
            ctx.close();
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
            case QuicShutdown s -> relayShuttingDown();
            default -> { }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSING;
        cancelTimers();
        if (guard != null) {
            guard.closed();
        }
        RelaySession s = session;
        if (s != null) {
            s.leave(); // a vanished or closed peer leaves like LEAVE; idempotent
        }
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
        if (state == State.AWAITING_JOIN) {
            sessions.increment(Counter.JOIN_TIMEOUTS);
            refuse(ErrorCodes.NOT_JOINED, "no JOIN within " + settings.joinTimeout().toMillis() + " ms");
        }
    }

    private void keepAlive() {
        if (control != null && state != State.CLOSING) {
            sink.sendControl(ControlCodec.encode(new Ping(++pingNonce), ctx.alloc()));
            sink.flush();
        }
    }

    private void relayShuttingDown() {
        if (state == State.AWAITING_JOIN) {
            refuse(ErrorCodes.RELAY_SHUTTING_DOWN, "relay is shutting down");
        }
        // Joined participants hear it from the core, in order after what it already sent them.
    }

    private void cancelTimers() {
        if (joinTimer != null) {
            joinTimer.cancel(false);
            joinTimer = null;
        }
        if (keepAliveTimer != null) {
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
        RelaySession s = session;
        if (state == State.CLOSING || s == null) {
            packet.release();
            if (state == State.AWAITING_JOIN) {
                sessions.increment(Counter.NOT_JOINED);
                if (reliable) {
                    refuse(ErrorCodes.NOT_JOINED, "MEDIA before JOIN: the first message must be a JOIN");
                }
            }
            return;
        }
        if (!withinRate(packet)) {
            return;
        }
        sessions.countIngress(packet.readableBytes());
        DecodeStatus status = s.publish(packet); // ownership passes, whatever the outcome
        if (status != DecodeStatus.OK) {
            sessions.countMalformed(status);
            refuse(status.code(), "malformed MEDIA packet: " + MediaHeader.problem(status));
        }
    }

    // ------------------------------------------------------------------ inbound: the control stream

    /** A new stream from the peer: the first becomes the control stream, any other is refused. */
    boolean acceptStream(QuicStreamChannel stream) {
        if (control != null || state == State.CLOSING) {
            metrics.increment(QuicMetrics.Counter.EXTRA_STREAMS_REFUSED);
            return false;
        }
        control = stream;
        port.controlStream(stream);
        return true;
    }

    /** One message from the control stream, owned by this call. */
    void onControlMessage(ByteBuf message) {
        if (state == State.CLOSING) {
            message.release();
            return;
        }
        if (ControlCodec.peekType(message) == MessageType.MEDIA) {
            onMedia(message, true);
            return;
        }
        if (!withinRate(message)) {
            return;
        }
        if (guard.controlTooLarge(message.readableBytes())) {
            int length = message.readableBytes();
            message.release();
            refuse(DecodeStatus.TOO_LARGE.code(), "control message of " + length + " bytes, larger than this relay's limit of "
                    + gate.maxControlBytes());
            return;
        }
        try {
            switch (ControlCodec.decode(message)) {
                case Decoded.Rejected r -> {
                    sessions.countMalformed(r.reason());
                    refuse(r.reason().code(), r.detail());
                }
                case Decoded.Ok(ControlMessage m) -> onControl(m);
            }
        } finally {
            message.release();
        }
    }

    /** The stream's framing refused a message (already counted): answer like a malformed one. */
    void onControlRejected(DecodeStatus status, String reason) {
        sessions.countMalformed(status);
        refuse(status.code(), reason);
    }

    /** The control stream's writability changed: the sink may drain again. */
    void onControlWritabilityChanged() {
        sink.onWritabilityChanged();
    }

    /** The peer ended its control stream: that is a LEAVE, and the end of the connection. */
    void onControlStreamEnded() {
        if (state != State.CLOSING) {
            leave();
        }
    }

    private void onControl(ControlMessage message) {
        switch (message) {
            case Join j -> join(j);
            case Ping p -> {
                sink.sendControl(ControlCodec.encode(new Pong(p.nonce()), ctx.alloc()));
                sink.flush();
            }
            case Pong p -> {
                // The answer to our keep-alive: receiving it is all it is for.
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
                    s.endStream(e.streamId()); // only its own streams: the id it wrote is ignored
                }
            }
            default -> {
                sessions.countMalformed(DecodeStatus.UNKNOWN_TYPE);
                refuse(DecodeStatus.UNKNOWN_TYPE.code(), message.type() + " is sent by the relay, never by clients");
            }
        }
    }

    private void join(Join join) {
        RelaySession s = session;
        if (s != null) {
            sessions.increment(Counter.ALREADY_JOINED);
            refuse(ErrorCodes.ALREADY_JOINED, "this connection has already joined room " + s.room());
            return;
        }
        // Token, allow-list and per-address JOIN rate; a refusal is counted by the gate.
        switch (guard.join(join.room(), join.identity(), join.token())) {
            case JoinDecision.Refuse(int code, String reason) -> refuse(code, reason);
            case JoinDecision.Admit(var grants) -> {
                if (joinTimer != null) {
                    joinTimer.cancel(false);
                    joinTimer = null;
                }
                state = State.JOINED;
                sessions.increment(Counter.JOINS);
                session = core.join(join.room(), join.identity(), grants, sink);
            }
        }
    }

    /**
     * Whether one inbound message fits this connection's ingress rate. If not it is released here: dropped (counted
     * by the gate), or, when the connection has stayed over its rate for the grace period, refused RATE_LIMITED.
     */
    private boolean withinRate(ByteBuf message) {
        IngressLimiter.Verdict v = guard.admit(message.readableBytes());
        if (v == IngressLimiter.Verdict.ADMIT) {
            return true;
        }
        message.release();
        if (v == IngressLimiter.Verdict.DISCONNECT) {
            refuse(ErrorCodes.RATE_LIMITED, "sending faster than this relay's ingress limit allows, for too long");
        }
        return false;
    }

    private void leave() {
        state = State.CLOSING;
        cancelTimers();
        RelaySession s = session;
        if (s != null) {
            s.leave();
        }
        sink.close(); // writes what is queued, ends the stream, then the connection closes
    }

    private void notJoined(String what) {
        sessions.increment(Counter.NOT_JOINED);
        refuse(ErrorCodes.NOT_JOINED, what + " before JOIN: the first message must be a JOIN");
    }

    /** Ends the connection over bad input: leaves, queues ERROR(code, reason) behind what is queued, closes. */
    private void refuse(int code, String reason) {
        if (state == State.CLOSING) {
            return;
        }
        state = State.CLOSING;
        cancelTimers();
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
