package io.kfrelay.transport;

import io.kfrelay.egress.ParticipantSink;
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
import io.kfrelay.protocol.ControlMessage.Simulcast;
import io.kfrelay.protocol.ControlMessage.Subscribe;
import io.kfrelay.protocol.ControlMessage.Unsubscribe;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.room.Grants;
import io.kfrelay.security.ConnectionGuard;
import io.kfrelay.security.IngressLimiter;
import io.kfrelay.security.JoinDecision;
import io.kfrelay.security.SecurityGate;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The transport-neutral half of one connection's kfrelay session, shared by the WebSocket and QUIC handlers so
 * that how a JOIN is admitted, what a refusal does and which messages a client may send are decided in one
 * place. The handler keeps what is its transport's own: framing, streams, timers, the channel's lifecycle, and
 * what to do with media before JOIN.
 *
 * <p>Event loop only, except {@link #requestKeyframe} (the sink, from the shard consumer) and {@link #session}.
 */
public final class SessionControl {

    /**
     * Where the session stands; the transport may add states of its own before AWAITING_JOIN. PLACING: the JOIN was
     * admitted and waits for its {@link RoomPlacement} (a cluster node asking the cluster store); what the peer sends
     * meanwhile is held ({@link #holdIfPlacing}) and replayed once joined.
     */
    public enum Phase { AWAITING_JOIN, PLACING, JOINED, CLOSING }

    /** What a connection may send while its JOIN waits for placement, before it is refused. */
    static final int MAX_HELD_MESSAGES = 256;
    static final int MAX_HELD_BYTES = 1024 * 1024;

    private final RelayCore core;
    private final SecurityGate gate;
    private final ParticipantSink sink;
    private final TransportMetrics metrics;
    private final ByteBufAllocator alloc;
    /** Told of every move to JOINED or CLOSING: the handler stops its timers there. */
    private final Consumer<Phase> entered;
    /** This connection's admission state and ingress budget; null until {@link #open}, or if the gate refused it. */
    private ConnectionGuard guard;
    private Phase phase = Phase.AWAITING_JOIN;
    /** Written on the event loop, read by the shard consumer through {@link #requestKeyframe}. */
    private volatile RelaySession session;
    private final RoomPlacement placement;
    /** The connection's event loop: where a placement answered on another thread continues. */
    private final Executor loop;
    /** The request whose {@link RoomPlacement.Here} this session holds (to give back once), or null. */
    private RoomPlacement.Request placedRoom;
    /** Joined as an edge relay's link (a cluster credential): the transport sends its media reliably. */
    private boolean relayLink;
    /** What the peer sent while PLACING, replayed through {@link #replay} once joined. */
    private ArrayDeque<ByteBuf> held;
    private int heldBytes;
    private Consumer<ByteBuf> replay = ByteBuf::release;

    /**
     * @param sink    the connection's way back, handed to the core on JOIN
     * @param alloc   the connection's allocator, for the replies and ERRORs written here
     * @param entered called on each move to {@link Phase#JOINED} or {@link Phase#CLOSING}
     */
    public SessionControl(RelayCore core, SecurityGate gate, ParticipantSink sink, TransportMetrics metrics,
                          ByteBufAllocator alloc, Consumer<Phase> entered) {
        this(core, gate, RoomPlacement.LOCAL, Runnable::run, sink, metrics, alloc, entered);
    }

    /**
     * @param placement where JOINs are served ({@link RoomPlacement#LOCAL} without a cluster)
     * @param loop      the connection's event loop, where a placement answered on another thread continues
     */
    public SessionControl(RelayCore core, SecurityGate gate, RoomPlacement placement, Executor loop,
                          ParticipantSink sink, TransportMetrics metrics, ByteBufAllocator alloc,
                          Consumer<Phase> entered) {
        this.core = core;
        this.gate = gate;
        this.placement = placement;
        this.loop = loop;
        this.sink = sink;
        this.metrics = metrics;
        this.alloc = alloc;
        this.entered = entered;
    }

    /** Where held messages go once the JOIN is placed and joined: the transport's own inbound path. */
    public void onPlaced(Consumer<ByteBuf> replay) {
        this.replay = replay;
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * A connection from {@code remote} is up: false if the gate refused it (its address has too many connections
     * that have not joined; counted by the gate), and then the transport closes it without a word.
     */
    public boolean open(SocketAddress remote) {
        guard = gate.open(remote);
        if (guard == null) {
            enter(Phase.CLOSING);
            return false;
        }
        return true;
    }

    /** The connection is gone, however it went: a disconnect is a leave (idempotent after LEAVE or a refusal). */
    public void disconnected() {
        enter(Phase.CLOSING);
        if (guard != null) {
            guard.closed();
        }
        RelaySession s = session;
        if (s != null) {
            s.leave();
        }
        unplace();
    }

    /** Gives the room's placement reference back (once) and drops what was held. */
    private void unplace() {
        releaseHeld();
        RoomPlacement.Request room = placedRoom;
        if (room != null) {
            placedRoom = null;
            placement.left(room);
        }
    }

    private void releaseHeld() {
        if (held != null) {
            ByteBuf b;
            while ((b = held.poll()) != null) {
                b.release();
            }
            held = null;
            heldBytes = 0;
        }
    }

    /**
     * While the JOIN waits for its placement, holds {@code message} (owned by this call) to replay it once joined, and
     * returns true; false in any other phase. A peer that sends too much meanwhile is refused RATE_LIMITED.
     */
    public boolean holdIfPlacing(ByteBuf message) {
        if (phase != Phase.PLACING) {
            return false;
        }
        if (held == null) {
            held = new ArrayDeque<>();
        }
        if (held.size() >= MAX_HELD_MESSAGES || heldBytes + message.readableBytes() > MAX_HELD_BYTES) {
            message.release();
            refuse(ErrorCodes.RATE_LIMITED, "sent more than " + MAX_HELD_MESSAGES + " messages or "
                    + MAX_HELD_BYTES + " bytes before the relay answered the JOIN");
            return true;
        }
        held.add(message);
        heldBytes += message.readableBytes();
        return true;
    }

    public Phase phase() {
        return phase;
    }

    /** Whether the session has ended: whatever the peer sends now is discarded. */
    public boolean isClosing() {
        return phase == Phase.CLOSING;
    }

    /**
     * Whether this session is an edge relay's link to this origin (docs/CLUSTER.md, cascade): set before the move to
     * JOINED, so a transport can send its media on a reliable path from the first packet. Event loop.
     */
    public boolean isRelayLink() {
        return relayLink;
    }

    /** The joined session, or null before JOIN (any thread). */
    public RelaySession session() {
        return session;
    }

    private void enter(Phase next) {
        phase = next;
        entered.accept(next);
    }

    // ------------------------------------------------------------------ inbound

    /**
     * Whether one inbound message fits this connection's ingress rate. If not it is released here: dropped (counted
     * by the gate), or, when the connection has stayed over its rate for the grace period, refused RATE_LIMITED.
     */
    public boolean withinRate(ByteBuf message) {
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

    /** One control message (not MEDIA), owned by this call: size-checked, decoded, acted on and released. */
    public void onControl(ByteBuf message) {
        int length = message.readableBytes();
        if (guard.controlTooLarge(length)) {
            message.release();
            refuse(DecodeStatus.TOO_LARGE.code(), "control message of " + length + " bytes, larger than this relay's limit of "
                    + gate.maxControlBytes());
            return;
        }
        try {
            switch (ControlCodec.decode(message)) {
                case Decoded.Rejected r -> malformed(r.reason(), r.detail());
                case Decoded.Ok(ControlMessage m) -> onControl(m);
            }
        } finally {
            message.release();
        }
    }

    /** What a client may send, and what each does; the relay's own types are refused. */
    private void onControl(ControlMessage message) {
        switch (message) {
            case Join j -> join(j);
            case Ping p -> send(new Pong(p.nonce()));
            case Pong p -> {
                // The answer to a keep-alive PING (QUIC), or to none (WebSocket): receiving it is all it is for.
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
            case Subscribe sub -> {
                RelaySession s = session;
                if (s == null) {
                    notJoined("SUBSCRIBE");
                } else if (!s.subscribe(sub.publisherId(), sub.streamId(), sub.layer())) {
                    tooManyPending(sub.publisherId(), sub.streamId());
                }
            }
            case Unsubscribe u -> {
                RelaySession s = session;
                if (s == null) {
                    notJoined("UNSUBSCRIBE");
                } else if (!s.unsubscribe(u.publisherId(), u.streamId())) {
                    tooManyPending(u.publisherId(), u.streamId());
                }
            }
            case Simulcast sc -> {
                RelaySession s = session;
                if (s == null) {
                    notJoined("SIMULCAST");
                } else {
                    String refusal = s.declareSimulcast(sc.streamIds()); // the publisher id written is ignored
                    if (refusal != null) {
                        refuse(ErrorCodes.SIMULCAST_INVALID, refusal);
                    }
                }
            }
            case Joined _, ParticipantJoined _, ParticipantLeft _, StreamStarted _, ControlMessage.Error _,
                 ControlMessage.Layer _, ControlMessage.SubscribeRefused _, ControlMessage.Redirect _,
                 ControlMessage.Nodes _ ->
                    malformed(DecodeStatus.UNKNOWN_TYPE, message.type() + " is sent by the relay, never by clients");
        }
    }

    /** A subscription change the session could not queue: the client hears it, the connection stays. */
    private void tooManyPending(long publisherId, int streamId) {
        send(new ControlMessage.SubscribeRefused(publisherId, streamId, ErrorCodes.TOO_MANY_PENDING,
                "more than " + RelaySession.MAX_PENDING_SUBSCRIPTION_CHANGES
                        + " subscription changes are waiting for the relay: send it again later"));
    }

    private void join(Join join) {
        RelaySession s = session;
        if (s != null) {
            metrics.increment(Counter.ALREADY_JOINED);
            refuse(ErrorCodes.ALREADY_JOINED, "this connection has already joined room " + s.room());
            return;
        }
        // An edge relay's cluster credential is checked by the cluster, not as a user's token.
        switch (placement.relayJoin(join.room(), join.token())) {
            case RoomPlacement.InvalidCredential(String reason) -> {
                refuse(ErrorCodes.CLUSTER_CREDENTIAL_INVALID, reason);
                return;
            }
            case RoomPlacement.EdgeJoin edge -> {
                place(join, Grants.EDGE,
                        new RoomPlacement.Request(join.room(), RoomPlacement.Role.EDGE, edge.epoch()));
                return;
            }
            case null -> {
            }
        }
        // Token, allow-list and per-address JOIN rate; a refusal is counted by the gate.
        switch (guard.join(join.room(), join.identity(), join.token())) {
            case JoinDecision.Refuse(int code, String reason) -> refuse(code, reason);
            case JoinDecision.Admit(var granted) -> {
                Grants grants = join.receiveOnly()
                        ? new Grants(false, granted.canSubscribe()) : granted;
                if (grants.none()) {
                    refuse(ErrorCodes.GRANT_MISSING, "JOIN option RECEIVE_ONLY, but the token does not grant "
                            + "canSubscribe: this participant could do nothing");
                    return;
                }
                place(join, grants, new RoomPlacement.Request(join.room(), grants.canPublish()
                        ? RoomPlacement.Role.PARTICIPANT : RoomPlacement.Role.RECEIVER, 0));
            }
        }
    }

    private void place(Join join, Grants grants, RoomPlacement.Request request) {
        CompletableFuture<RoomPlacement.Verdict> where = placement.place(request);
        if (where.isDone()) {
            placed(join, grants, request, where.join()); // a single relay, or a room this node owns: at once
        } else {
            enter(Phase.PLACING);
            where.whenComplete((v, e) -> loop.execute(() -> placed(join, grants, request, v != null ? v
                    : new RoomPlacement.Refuse(ErrorCodes.CLUSTER_UNAVAILABLE, "cannot place room "
                    + join.room() + ": " + e))));
        }
    }

    /** The placement answered (event loop). */
    private void placed(Join join, Grants grants, RoomPlacement.Request request,
                        RoomPlacement.Verdict where) {
        if (phase == Phase.CLOSING) {
            if (where instanceof RoomPlacement.Here) {
                placement.left(request); // the connection went while the cluster decided
            }
            releaseHeld();
            return;
        }
        switch (where) {
            case RoomPlacement.Refuse(int code, String reason) -> {
                releaseHeld();
                refuse(code, reason);
            }
            case RoomPlacement.Redirect(ControlMessage.Redirect redirect) -> {
                releaseHeld();
                redirect(redirect);
            }
            case RoomPlacement.Here h -> {
                placedRoom = request;
                relayLink = request.role() == RoomPlacement.Role.EDGE;
                enter(Phase.JOINED);
                metrics.increment(Counter.JOINS);
                ControlMessage.Nodes nodes = relayLink ? null : placement.nodesMessage(); // edges follow rooms, not nodes
                session = core.join(join.room(), join.identity(), grants, join.manualSubscribe(),
                        nodes == null ? sink : new NodesAfterJoined(sink, nodes, alloc));
                ArrayDeque<ByteBuf> replaying = held;
                held = null;
                heldBytes = 0;
                if (replaying != null) {
                    ByteBuf b;
                    while ((b = replaying.poll()) != null) {
                        if (phase == Phase.CLOSING) {
                            b.release();
                        } else {
                            replay.accept(b);
                        }
                    }
                }
            }
        }
    }

    /** LEAVE, or the transport's equivalent: leaves the room, writes what is queued, then closes. Once only. */
    public void leave() {
        if (end()) {
            sink.close();
        }
    }

    /** Moves to CLOSING and leaves the room; false if the session had already ended. */
    private boolean end() {
        if (phase == Phase.CLOSING) {
            return false;
        }
        enter(Phase.CLOSING);
        RelaySession s = session;
        if (s != null) {
            s.leave();
        }
        unplace();
        return true;
    }

    // ------------------------------------------------------------------ outbound and refusals

    /** Queues one control message of our own (PONG, a keep-alive PING) and flushes. */
    public void send(ControlMessage message) {
        sink.sendControl(ControlCodec.encode(message, alloc));
        sink.flush();
    }

    /** Something other than JOIN came first: counted, and refused NOT_JOINED. */
    public void notJoined(String what) {
        metrics.increment(Counter.NOT_JOINED);
        refuse(ErrorCodes.NOT_JOINED, what + " before JOIN: the first message must be a JOIN");
    }

    /** A message the framing or the codec refused: counted as malformed, and refused with its status's code. */
    public void malformed(DecodeStatus status, String reason) {
        metrics.countMalformed(status);
        refuse(status.code(), reason);
    }

    /** The core refused a MEDIA packet ({@link RelaySession#publish} was not OK). */
    public void malformedMedia(DecodeStatus status) {
        malformed(status, "malformed MEDIA packet: " + MediaHeader.problem(status));
    }

    /** The join timer fired: a connection still waiting to join is counted and refused NOT_JOINED. */
    public void joinTimedOut(Duration joinTimeout) {
        if (phase == Phase.AWAITING_JOIN) {
            metrics.increment(Counter.JOIN_TIMEOUTS);
            refuse(ErrorCodes.NOT_JOINED, "no JOIN within " + joinTimeout.toMillis() + " ms");
        }
    }

    /** The relay shuts down: a connection still waiting to join is refused RELAY_SHUTTING_DOWN. */
    public void relayShuttingDown() {
        if (phase == Phase.AWAITING_JOIN || phase == Phase.PLACING) {
            refuse(ErrorCodes.RELAY_SHUTTING_DOWN, "relay is shutting down");
        }
        // Joined participants hear it from the core, in order after what it already sent them.
    }

    /**
     * Ends the connection over bad input: leaves the room, queues ERROR(code, reason) behind what is already
     * queued, then closes. Everything the peer sends meanwhile is discarded. Once only.
     */
    public void refuse(int code, String reason) {
        if (end()) {
            send(new ControlMessage.Error(code, reason));
            sink.close();
        }
    }

    /**
     * The JOIN is served elsewhere: queues REDIRECT behind what is already queued, then closes (the same orderly
     * end as {@link #refuse}). Once only.
     */
    public void redirect(ControlMessage.Redirect redirect) {
        if (end()) {
            send(redirect);
            sink.close();
        }
    }

    // ------------------------------------------------------------------ egress back-channel

    /** The sink dropped video of this stream and wants a keyframe (shard consumer thread): a {@link KeyframeRequester}. */
    public void requestKeyframe(long senderId, int streamId) {
        RelaySession s = session;
        if (s != null) {
            s.requestKeyframe(senderId, streamId);
        }
    }
}
