package io.kfrelay.client;

import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.MessageType;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A kfrelay client: joins one room, publishes frames on its streams and receives everyone else's.
 *
 * <pre>{@code
 * KfRelayClient c = KfRelayClient.connect(URI.create("ws://127.0.0.1:8080"), ClientOptions.defaults(), listener)
 *         .get(5, SECONDS);
 * Joined me = c.join("demo", "alice", "").get(5, SECONDS);
 * c.publishFrame(1, Protocol.KIND_VIDEO, true, annexBBytes, timestamp90k);
 * }</pre>
 *
 * <p><b>Packetization.</b> {@link #publishFrame} splits a frame into packets of at most
 * {@link ClientOptions#maxPacketBytes()} bytes, <em>20-byte header included</em> (default
 * {@value ClientOptions#DEFAULT_MAX_PACKET_BYTES}, so up to 1180 payload bytes per packet), with FRAME_START on
 * the first, FRAME_END on the last, KEYFRAME on every packet of a keyframe, and a per-stream u32 sequence.
 *
 * <p><b>Thread-safety.</b> Every public method may be called from any thread, including from listener
 * callbacks. Frames of one stream go out in call order with consecutive sequence numbers even when several
 * threads publish on it; frames of different streams are independent. Listener callbacks run on the
 * client's single I/O thread (see {@link ClientListener}).
 *
 * <p><b>Backpressure.</b> What is sent is queued and written by the I/O thread. While the relay (or the network)
 * does not keep up, {@link #isWritable()} is false: a publisher should wait or skip frames then. Past
 * {@link ClientOptions#maxOutboundBytes()} queued, {@link #publishFrame} refuses frames (returns 0), so a
 * publisher that ignores writability costs bounded memory, not unbounded.
 *
 * <p><b>Buffers.</b> {@code publishFrame(.., ByteBuf frame, ..)} only reads the frame: the caller keeps
 * ownership. Received payloads are borrowed for the duration of the callback.
 *
 * <p><b>Several relays, reconnecting.</b> {@link #connect(List, ClientOptions, ClientListener)} takes the URLs of
 * several relays of one cluster (all of one transport), and a relay of a cluster names the others after JOINED
 * (NODES). When the joined session's connection ends without this client asking (lost, a QUIC idle timeout, ERROR
 * RELAY_SHUTTING_DOWN, a REDIRECT after JOINED), the client reconnects with backoff to the next relay it knows and
 * JOINs the same room with the same identity, token and options, following REDIRECTs; it sends its SIMULCAST
 * declarations and (manual subscription) its SUBSCRIBEs again, and its streams go on with the same ids. This is on by
 * default when more than one relay is known ({@link ReconnectOptions}); {@link ClientListener#onReconnecting} and
 * {@link ClientListener#onReconnected} tell the listener (the participant ids of the new session are new), and
 * frames published meanwhile are refused (return 0). Refusals that would be the same anywhere (a token, the names)
 * end it; so does {@link ReconnectOptions#giveUpAfter()}, reported to {@link ClientListener#onError} before
 * {@link ClientListener#onClose}.
 */
public final class KfRelayClient implements AutoCloseable {
    /** REDIRECTs one join follows before it fails: a cluster needs one, two allows for a room moving meanwhile. */
    public static final int MAX_REDIRECTS = 2;
    /** The relay this client is connected to now: the URL given, or where a REDIRECT sent the join. */
    private volatile URI url;
    private final ClientOptions options;
    private final ClientListener listener;
    /** The listener when it takes raw media (no object per packet), else null. */
    private final RawMediaListener rawListener;
    private final Map<Integer, StreamPacketizer> streams = new ConcurrentHashMap<>();
    private final AtomicReference<CompletableFuture<Joined>> pendingJoin = new AtomicReference<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicLong refusedFrames = new AtomicLong();
    /** Only the I/O thread uses it (one flyweight per client). */
    private final MediaHeader inboundHeader = new MediaHeader();
    private volatile ClientTransport transport;
    private volatile Joined joined;
    private volatile boolean left;
    /** The JOIN sent, to send again where a REDIRECT points. */
    private volatile ControlMessage.Join lastJoin;
    /** The relays the join has been redirected from so far, each "NODE (URL)" (I/O threads, one at a time). */
    private final List<String> hops = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** close() was called: a redirect under way connects nowhere new. */
    private volatile boolean closing;
    /** Lost video packets and broken keyframes (I/O thread only). */
    private final LossDetector losses = new LossDetector(LossDetector.DEFAULT_MIN_INTERVAL_NANOS);
    /** PINGs sent by {@link #ping}, by nonce, waiting for their PONG. */
    private final Map<Long, CompletableFuture<Void>> pendingPings = new ConcurrentHashMap<>();
    private final AtomicLong pingNonces = new AtomicLong();
    /** Simulcast declarations waiting for the relay's announcement, by source id. */
    private final Map<Integer, CompletableFuture<Void>> pendingSimulcast = new ConcurrentHashMap<>();
    /** The relays this client knows: the URLs given, then what NODES taught it. */
    private final RelayEndpoints endpoints;
    /** What a reconnected session asks for again. */
    private final RejoinPlan plan = new RejoinPlan();
    private final Reconnector reconnector;
    /** The session's connection is lost and a new one is being made: publishing refuses frames meanwhile. */
    private volatile boolean reconnecting;
    /** The inbound side of {@link #transport}: retired when the connection is replaced. */
    private volatile Inbound live;
    /** The last REDIRECT followed by the join in progress (the node a reconnection ends at), or null. */
    private volatile ControlMessage.Redirect lastRedirect;

    private KfRelayClient(URI url, RelayEndpoints endpoints, ClientOptions options, ClientListener listener) {
        this.url = url;
        this.endpoints = endpoints;
        this.options = options;
        this.listener = listener;
        this.rawListener = listener instanceof RawMediaListener raw ? raw : null;
        this.reconnector = new Reconnector(new ReconnectBackoff(options.reconnect(), System::nanoTime,
                () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble()), endpoints, new Reconnection());
    }

    /**
     * Opens a connection to the relay at {@code url} ({@code ws://HOST:PORT[/path]}; no path means {@code /}).
     * The future fails with an {@link IOException} when the relay cannot be reached or refuses the WebSocket
     * upgrade, and with an {@link IllegalArgumentException} for a URL it cannot use.
     */
    public static CompletableFuture<KfRelayClient> connect(URI url, ClientOptions options, ClientListener listener) {
        Objects.requireNonNull(url, "url");
        return connect(List.of(url), options, listener);
    }

    /**
     * Opens a connection to the first of {@code urls} that answers, trying them in order; the others are where the
     * session may reconnect to (class comment). The URLs must all be {@code ws://}/{@code wss://}, or all
     * {@code quic://} ({@link ClientOptions#quic()}'s trust applies to each). Fails like
     * {@link #connect(URI, ClientOptions, ClientListener)} when none answers (with the last failure).
     */
    public static CompletableFuture<KfRelayClient> connect(List<URI> urls, ClientOptions options,
                                                           ClientListener listener) {
        Objects.requireNonNull(urls, "urls");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        RelayEndpoints known;
        try {
            known = new RelayEndpoints(List.copyOf(urls));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        KfRelayClient client = new KfRelayClient(urls.getFirst(), known, options, listener);
        CompletableFuture<KfRelayClient> result = new CompletableFuture<>();
        client.connectFirst(List.copyOf(urls), 0, result, null);
        return result;
    }

    private void connectFirst(List<URI> urls, int i, CompletableFuture<KfRelayClient> result, Throwable last) {
        if (i == urls.size()) {
            result.completeExceptionally(urls.size() == 1 ? last
                    : new IOException("none of the relays " + urls + " could be reached: " + last.getMessage(), last));
            return;
        }
        URI u = urls.get(i);
        Inbound in = new Inbound();
        ClientTransport.connect(u, optionsFor(endpoints.at(u)), in).whenComplete((t, error) -> {
            if (error != null) {
                connectFirst(urls, i + 1, result, error);
                return;
            }
            url = u;
            live = in;
            transport = t;
            if (!result.complete(this)) {
                t.close(); // the caller gave up (cancelled, timed out): nobody else will ever close it
            }
        });
    }

    /** The options to reach {@code e}: a QUIC node's pin from NODES or a REDIRECT replaces the configured trust. */
    private ClientOptions optionsFor(RelayEndpoints.Endpoint e) {
        if (endpoints.quic() && !e.quicPin().isEmpty()) {
            return options.toBuilder().quic(options.quic().withPin(CertificatePin.parse(e.quicPin()))).build();
        }
        return options;
    }

    /** The relays this client knows now, as "NODE (URL)" or "URL": the URLs given, then those NODES named. */
    public List<String> knownRelays() {
        return endpoints.all().stream().map(e -> e.node().isEmpty() ? e.url().toString()
                : e.node() + " (" + e.url() + ")").toList();
    }

    /** Whether this client reconnects when its session's connection is lost ({@link ReconnectOptions#mode()}). */
    public boolean reconnects() {
        return switch (options.reconnect().mode()) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> endpoints.severalOrLearned();
        };
    }

    /** True while a lost session is being brought back (frames are refused meanwhile). */
    public boolean isReconnecting() {
        return reconnecting;
    }

    /** {@link #connect(URI, ClientOptions, ClientListener)} with default options. */
    public static CompletableFuture<KfRelayClient> connect(URI url, ClientListener listener) {
        return connect(url, ClientOptions.defaults(), listener);
    }

    /** The relay connected to now: the URL given to {@link #connect}, or where REDIRECTs led the join. */
    public URI url() {
        return url;
    }

    /** The nodes a REDIRECT sent the join to, in order, each "NODE (URL)"; empty without redirects. */
    public List<String> redirects() {
        return List.copyOf(hops);
    }

    public ClientOptions options() {
        return options;
    }

    /**
     * Joins {@code room} as {@code identity}. Completes with the relay's JOINED answer (your participant id and
     * who is already there, with their streams). Fails with a {@link RelayErrorException} carrying the ERROR
     * code and reason when the relay refuses, or an {@link IOException} if the connection closes first.
     *
     * <p>A relay of a cluster that is not the room's place answers REDIRECT: the client closes that connection,
     * connects to the node named (its WebSocket URL for a {@code ws://}/{@code wss://} client, its QUIC URL and
     * certificate pin for a {@code quic://} one), tells {@link ClientListener#onRedirect} and JOINs there again;
     * the future completes with the JOINED of the relay it ends at ({@link #url()}). After
     * {@link #MAX_REDIRECTS} redirects, or to a node without a URL of this client's transport, the join fails with
     * a {@link RedirectException} naming the hops.
     *
     * @throws IllegalArgumentException if room or identity is not 1..256 UTF-8 bytes without control
     *                                  characters, or the token is too long
     * @throws IllegalStateException    if a join is already pending or done on this connection
     */
    public CompletableFuture<Joined> join(String room, String identity, String token) {
        return join(room, identity, token, 0);
    }

    /**
     * {@link #join(String, String, String)} with JOIN options: {@link ControlMessage.Join#MANUAL_SUBSCRIBE} joins
     * subscribed to nothing; {@link #subscribe} then picks what this client receives.
     */
    public CompletableFuture<Joined> join(String room, String identity, String token, int options) {
        ControlMessage.Join join = new ControlMessage.Join(room, identity, token == null ? "" : token, options);
        CompletableFuture<Joined> answer = new CompletableFuture<>();
        if (!pendingJoin.compareAndSet(null, answer)) {
            throw new IllegalStateException("this connection has already joined (or is joining) a room");
        }
        if (closed.isDone()) {
            answer.completeExceptionally(new IOException("connection to " + url + " is closed"));
            return answer;
        }
        lastJoin = join;
        sendControl(join);
        return answer;
    }

    /**
     * Sends PING; completes when its PONG arrives. The relay queues the PONG behind everything it has queued for this
     * client already, so after a JOINED it arrives after what followed that JOINED (the room's SIMULCASTs): a barrier.
     * Fails if the connection closes first.
     */
    public CompletableFuture<Void> ping() {
        long nonce = pingNonces.incrementAndGet();
        CompletableFuture<Void> pong = new CompletableFuture<>();
        pendingPings.put(nonce, pong);
        closed.whenComplete((v, e) -> {
            if (pendingPings.remove(nonce) != null) {
                pong.completeExceptionally(new IOException("connection to " + url + " closed before the PONG"));
            }
        });
        if (!closed.isDone()) {
            sendControl(new ControlMessage.Ping(nonce));
        }
        return pong;
    }

    /** The JOINED answer, or null before the join completed. */
    public Joined joined() {
        return joined;
    }

    /** This client's participant id, or -1 before the join completed. */
    public long participantId() {
        Joined j = joined;
        return j == null ? -1 : j.participantId();
    }

    /**
     * Publishes one frame on {@code streamId}: packetized (see the class comment), queued and flushed.
     * The first frame of a stream makes the relay announce it (STREAM_STARTED); the kind of a stream is
     * fixed by its first frame.
     *
     * <p>When more than {@link ClientOptions#maxOutboundBytes()} are already queued (the relay has not been
     * taking data), the frame is refused whole: nothing is sent, no sequence numbers are used, and
     * {@link #refusedFrames()} counts it. Check {@link #isWritable()} first to skip frames by your own choice
     * (deltas, say) long before that. The cap is checked before the frame is queued, so concurrent publishers
     * may pass it by a frame each.
     *
     * @param kind      {@code Protocol.KIND_AUDIO} or {@code Protocol.KIND_VIDEO}
     * @param keyframe  sets KEYFRAME on every packet of the frame
     * @param frame     the encoded frame, its readable bytes; only read, the caller keeps ownership
     * @param timestamp u32 media timestamp (90 kHz video, 48 kHz audio); wraps
     * @return the number of packets queued, or 0 if the frame was refused (outbound cap)
     * @throws IllegalStateException    before the join completed, after leave or close
     * @throws IllegalArgumentException for a bad stream id or kind, or a kind other than the stream's
     */
    public int publishFrame(int streamId, int kind, boolean keyframe, ByteBuf frame, long timestamp) {
        return publishSlice(streamId, kind, keyframe, frame, timestamp, true, true);
    }

    /**
     * Publishes one slice of a frame as soon as it is there, for senders that do not hand over whole frames: an
     * encoder that emits slices, or a pacer that spreads a large keyframe over time. Like
     * {@link #publishFrame(int, int, boolean, ByteBuf, long)}, except that FRAME_START marks the slice's first
     * packet only if it {@code startsFrame} and FRAME_END its last only if it {@code endsFrame}. The slices of a
     * frame go in order, with nothing else of the same stream between them, and carry the same timestamp and
     * keyframe flag; keep every slice but the last a multiple of {@link ClientOptions#maxPayloadBytes()} and the
     * packets are the same as for the whole frame. A refused slice (outbound cap) breaks its frame: receivers and
     * the relay's cache treat it like a frame with a lost packet, so send the rest of that frame anyway or,
     * better, start the stream again at a keyframe.
     *
     * @return the number of packets queued, or 0 if the slice was refused (outbound cap)
     */
    public int publishSlice(int streamId, int kind, boolean keyframe, ByteBuf slice, long timestamp,
                            boolean startsFrame, boolean endsFrame) {
        ClientTransport t = requireJoined();
        // Never larger than the transport carries in one piece (a QUIC datagram's usable size).
        StreamPacketizer stream = streams.computeIfAbsent(streamId, id -> new StreamPacketizer(id, kind,
                Math.min(options.maxPacketBytes(), t.maxMediaPacketBytes()), options.firstSequence(), t.alloc()));
        if (stream.kind() != kind) {
            throw new IllegalArgumentException("stream " + streamId + " is " + Protocol.kindName(stream.kind())
                    + "; a stream cannot change kind");
        }
        if (reconnecting || t.queuedBytes() > options.maxOutboundBytes()) {
            refusedFrames.incrementAndGet();
            return 0;
        }
        int sender = (int) participantId();
        // The packetizer's lock covers the writes too, so one stream's packets are queued in sequence order.
        int packets = stream.packetize(keyframe, slice, timestamp & 0xFFFF_FFFFL, sender, startsFrame, endsFrame, t::write);
        t.flush();
        return packets;
    }

    /** {@link #publishFrame(int, int, boolean, ByteBuf, long)} for a byte array (wrapped, not copied). */
    public int publishFrame(int streamId, int kind, boolean keyframe, byte[] frame, long timestamp) {
        return publishFrame(streamId, kind, keyframe, Unpooled.wrappedBuffer(frame), timestamp);
    }

    /** Frames {@link #publishFrame} refused: the outbound backlog was past its cap, or the client was reconnecting. */
    public long refusedFrames() {
        return refusedFrames.get();
    }

    /** Video packets missing from what this client received (gaps in sequence numbers); I/O thread's count. */
    public long lostVideoPackets() {
        return losses.lostPackets();
    }

    /** Keyframe requests this client sent on its own after losing part of a keyframe. */
    public long lossKeyframeRequests() {
        return losses.keyframeRequests();
    }

    /** Sequence number the next packet of {@code streamId} will carry (its first one if nothing was sent). */
    public long nextSequence(int streamId) {
        StreamPacketizer s = streams.get(streamId);
        return s == null ? options.firstSequence() : s.nextSequence();
    }

    /** Asks the relay for a keyframe of {@code senderId}'s stream (e.g. after losing packets). */
    public void requestKeyframe(long senderId, int streamId) {
        requireJoined();
        sendSession(new ControlMessage.KeyframeRequest(senderId, streamId));
    }

    /**
     * Subscribes to {@code publisherId}'s stream {@code streamId} (for a simulcast source, any of its streams), or
     * changes the layer wanted: {@code layer} 0 is the source's lowest, {@link Protocol#LAYER_AUTO} lets the relay
     * choose by what this client's link takes (a plain stream takes 0 or auto). The relay replays what it has
     * cached of the stream, then sends it live; a refusal comes back through
     * {@link ClientListener#onSubscribeRefused}.
     */
    public void subscribe(long publisherId, int streamId, int layer) {
        requireJoined();
        ControlMessage.Subscribe sub = new ControlMessage.Subscribe(publisherId, streamId, layer);
        plan.subscribed(publisherId, streamId, layer);
        sendSession(sub);
    }

    /** {@link #subscribe(long, int, int)} with the layer left to the relay. */
    public void subscribe(long publisherId, int streamId) {
        subscribe(publisherId, streamId, Protocol.LAYER_AUTO);
    }

    /** Ends a subscription: the relay sends nothing more of the stream (or source) and drops what it queued of it. */
    public void unsubscribe(long publisherId, int streamId) {
        requireJoined();
        plan.unsubscribed(publisherId, streamId);
        sendSession(new ControlMessage.Unsubscribe(publisherId, streamId));
    }

    /**
     * Declares that this client's streams {@code streamIds} (lowest quality first, at most three) are the layers of
     * one video source, before any of them is published. Completes when the relay has announced the source (its
     * acknowledgement): over QUIC the media datagrams could otherwise overtake the declaration on the control
     * stream, and a layer that starts undeclared cannot join a source later.
     */
    public CompletableFuture<Void> declareSimulcast(int... streamIds) {
        requireJoined();
        List<Integer> ids = java.util.Arrays.stream(streamIds).boxed().toList();
        CompletableFuture<Void> ack = new CompletableFuture<>();
        ControlMessage.Simulcast declaration = new ControlMessage.Simulcast(0, ids);
        pendingSimulcast.put(ids.getFirst(), ack);
        plan.declaredSimulcast(ids); // a reconnected session declares it again (and the relay's echo acknowledges)
        sendSession(declaration);
        return ack;
    }

    /** Ends one of this client's streams: subscribers get STREAM_ENDED; the relay drops its cache. */
    public void endStream(int streamId) {
        requireJoined();
        streams.remove(streamId);
        sendSession(new ControlMessage.StreamEnded(participantId(), streamId));
    }

    /**
     * Leaves the room (LEAVE): the relay ends this client's streams, tells the others and then closes the
     * connection (one connection serves one session). Idempotent.
     */
    public void leave() {
        if (left || joined == null || closed.isDone()) {
            return;
        }
        left = true;
        sendControl(new ControlMessage.Leave());
    }

    /** Stops (false) or resumes (true) reading from the relay: a deliberately slow receiver. */
    public void setReading(boolean reading) {
        ClientTransport t = transport;
        if (t != null) {
            t.setReading(reading);
        }
    }

    /**
     * False while this client's outbound backlog is above its high-water mark (the network or the relay is not
     * keeping up), and while it reconnects: wait, or skip frames that nothing depends on.
     */
    public boolean isWritable() {
        ClientTransport t = transport;
        return !reconnecting && t != null && t.isWritable();
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    /** Completes once the connection is closed, by either side. */
    public CompletableFuture<Void> closeFuture() {
        return closed;
    }

    /**
     * Closes the connection (without a LEAVE: the relay treats a disconnect the same way) after what was sent
     * so far. Returns at once; {@link #closeFuture()} completes when the connection is gone, within
     * {@link ClientOptions#closeTimeout()} even if the relay stopped reading (the connection is cut then).
     * Idempotent.
     */
    @Override
    public void close() {
        closing = true;
        boolean wasReconnecting = reconnector.cancel();
        ClientTransport t = transport;
        if (wasReconnecting) {
            // No session connection is left to report its close: end here (an attempt in flight is dropped).
            reconnecting = false;
            Inbound in = live;
            if (in != null) {
                in.retired = true;
            }
            CompletableFuture<Joined> attempt = pendingJoin.get();
            if (attempt != null) {
                attempt.completeExceptionally(new IOException("client closed while reconnecting"));
            }
            if (t != null) {
                t.close();
            }
            finishClose();
            return;
        }
        if (t != null) {
            t.close();
        }
    }

    /** The end of this client (once): pending acknowledgements fail, the listener hears onClose. */
    private void finishClose() {
        if (!closed.complete(null)) {
            return;
        }
        pendingSimulcast.values().forEach(f -> f.completeExceptionally(new IOException("connection closed")));
        try {
            listener.onClose();
        } catch (RuntimeException e) {
            reportError(e);
        }
    }

    private void reportError(Throwable error) {
        try {
            listener.onError(error);
        } catch (RuntimeException ignored) {
            // The listener's error handler itself failed: nothing sensible is left to tell.
        }
    }

    /** The session's connection ended unasked: retire it and bring the session back elsewhere. */
    private void startReconnect(Inbound lost, Throwable cause, RelayEndpoints.Endpoint first) {
        lost.retired = true;
        reconnecting = true;
        try {
            listener.onReconnecting(cause);
        } catch (RuntimeException e) {
            reportError(e);
        }
        reconnector.start(url, first, cause);
    }

    /** The client's side of a {@link Reconnector}'s work. */
    private final class Reconnection implements Reconnector.Attempts {
        @Override
        public CompletableFuture<Joined> attempt(RelayEndpoints.Endpoint to) {
            CompletableFuture<Joined> answer = new CompletableFuture<>();
            pendingJoin.set(answer);
            hops.clear();
            lastRedirect = null;
            Inbound in = new Inbound();
            ClientTransport.connect(to.url(), optionsFor(to), in).whenComplete((t, error) -> {
                if (error != null) {
                    answer.completeExceptionally(error);
                    return;
                }
                if (closing || answer.isDone()) {
                    in.retired = true;
                    t.close();
                    return;
                }
                url = to.url();
                live = in;
                transport = t;
                sendControl(lastJoin);
            });
            answer.whenComplete((j, e) -> {
                if (e != null) {
                    // The attempt failed where it got to: that connection is no longer the session's.
                    Inbound l = live;
                    if (l != null && !l.joinedHere) {
                        l.retired = true;
                        ClientTransport t = transport;
                        if (t != null) {
                            t.close();
                        }
                    }
                }
            });
            return answer;
        }

        @Override
        public void reconnected(Joined joined, RelayEndpoints.Endpoint via, java.time.Duration after) {
            // On the I/O thread, inside the JOINED's dispatch: nothing of the new session was handled before this.
            // Media resumes once the relay has acknowledged the simulcast declarations (its SIMULCAST echo): over QUIC
            // a datagram could overtake them, and a layer that starts undeclared cannot join its source later.
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            for (ControlMessage.Simulcast sc : plan.simulcastDeclarations()) {
                // A declaration made while reconnecting keeps the future its caller holds.
                CompletableFuture<Void> ack = pendingSimulcast.computeIfAbsent(sc.sourceId(),
                        id -> new CompletableFuture<>());
                acks.add(ack);
                sendControl(sc);
            }
            for (ControlMessage.Subscribe sub : plan.subscriptionsIn(joined)) {
                sendControl(sub);
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
                if (e == null) {
                    resumed(joined, after);
                }
            });
        }

        /** The reconnected session is ready: publishing goes on, the listener hears it. */
        private void resumed(Joined joined, java.time.Duration after) {
            reconnecting = false;
            ControlMessage.Redirect r = lastRedirect;
            String node = r != null ? r.node() : endpoints.at(url).label();
            try {
                listener.onReconnected(joined, node, url, after);
                // The new relay has nothing cached of this client's streams: start each with a keyframe.
                streams.forEach((id, s) -> {
                    if (s.kind() == Protocol.KIND_VIDEO) {
                        listener.onKeyframeRequest(id);
                    }
                });
            } catch (RuntimeException e) {
                reportError(e);
            }
        }

        @Override
        public void gaveUp(IOException why) {
            reconnecting = false;
            reportError(why);
            finishClose();
        }

        @Override
        public void schedule(long delayNanos, Runnable task) {
            CompletableFuture.delayedExecutor(delayNanos, java.util.concurrent.TimeUnit.NANOSECONDS).execute(task);
        }
    }

    private ClientTransport requireJoined() {
        if (closed.isDone()) {
            throw new IllegalStateException("connection to " + url + " is closed");
        }
        if (joined == null) {
            throw new IllegalStateException("join a room first");
        }
        if (left) {
            throw new IllegalStateException("this client has left its room");
        }
        return transport;
    }

    private void sendControl(ControlMessage m) {
        ClientTransport t = transport;
        t.write(ControlCodec.encode(m, t.alloc()));
        t.flush();
    }

    /** A message of the joined session: nothing while reconnecting (the new session is told what it needs). */
    private void sendSession(ControlMessage m) {
        if (!reconnecting) {
            sendControl(m);
        }
    }

    /** The transport's view of this client: runs on the I/O thread. */
    private final class Inbound implements ClientTransport.Inbound {
        /** Set when a REDIRECT replaced this connection: what it still reads or its close no longer matter. */
        private volatile boolean retired;
        /** JOINED arrived on this connection: it carries the session. */
        private volatile boolean joinedHere;
        /** The relay sent ERROR RELAY_SHUTTING_DOWN after JOINED: its close is a loss to recover from. */
        private volatile boolean shuttingDown;
        /** The relay sent another ERROR after JOINED (kicked, too slow, ...): its close ends the client. */
        private volatile boolean finalError;

        @Override
        public void onMessage(ByteBuf message) {
            if (retired) {
                return;
            }
            try {
                if (ControlCodec.peekType(message) == MessageType.MEDIA) {
                    onMediaMessage(message);
                } else {
                    onControlMessage(message);
                }
            } catch (RuntimeException e) {
                reportError(e);
            }
        }

        private void onMediaMessage(ByteBuf message) {
            MediaHeader h = inboundHeader;
            DecodeStatus status = h.wrap(message);
            if (status != DecodeStatus.OK) {
                reportError(new IOException("relay sent a malformed media packet: " + status));
                return;
            }
            if (h.kind() == Protocol.KIND_VIDEO
                    && losses.onVideoPacket(h.senderId(), h.streamId(), h.sequence(), h.flags(), System.nanoTime())) {
                // A keyframe arrived with a hole (datagrams get lost): it will not decode, so ask for another.
                sendControl(new ControlMessage.KeyframeRequest(h.senderId(), h.streamId()));
            }
            if (rawListener != null) {
                rawListener.onRawMedia(h);
                return;
            }
            ByteBuf payload = message.slice(h.payloadOffset(), h.payloadLength());
            listener.onMedia(new MediaPacket(h.senderId(), h.streamId(), h.kind(), h.flags(), h.sequence(),
                    h.timestamp(), h.frameLength(), payload));
        }

        private void onControlMessage(ByteBuf message) {
            switch (ControlCodec.decode(message)) {
                case ControlCodec.Decoded.Rejected r -> reportError(new IOException(
                        "relay sent a malformed control message: " + r.reason() + " (" + r.detail() + ")"));
                case ControlCodec.Decoded.Ok ok -> dispatch(ok.message());
            }
        }

        private void dispatch(ControlMessage m) {
            switch (m) {
                case Joined j -> {
                    joinedHere = true;
                    joined = j;
                    plan.joined(j);
                    CompletableFuture<Joined> pending = pendingJoin.get();
                    if (pending == null || !pending.complete(j)) {
                        reportError(new IOException("relay sent an unexpected JOINED"));
                    }
                }
                case ControlMessage.Error e -> {
                    CompletableFuture<Joined> pending = pendingJoin.get();
                    if (pending != null && !pending.isDone()) {
                        pending.completeExceptionally(
                                new RelayErrorException("relay refused the join", e.code(), e.reason()));
                    } else {
                        if (e.code() == io.kfrelay.protocol.ErrorCodes.RELAY_SHUTTING_DOWN) {
                            shuttingDown = true;
                        } else {
                            finalError = true;
                        }
                        reportError(new RelayErrorException("relay error", e.code(), e.reason()));
                    }
                }
                case ControlMessage.ParticipantJoined p -> {
                    plan.participantJoined(p.participantId(), p.identity());
                    listener.onParticipantJoined(p.participantId(), p.identity());
                }
                case ControlMessage.ParticipantLeft p -> {
                    plan.participantLeft(p.participantId());
                    listener.onParticipantLeft(p.participantId());
                }
                case ControlMessage.StreamStarted s -> {
                    listener.onStreamStarted(s.participantId(), s.streamId(), s.kind());
                    ControlMessage.Subscribe again = plan.onStreamStarted(s.participantId(), s.streamId());
                    if (again != null) {
                        sendControl(again); // a reconnected session's subscription to a publisher back here
                    }
                }
                case ControlMessage.StreamEnded s -> listener.onStreamEnded(s.participantId(), s.streamId());
                case ControlMessage.KeyframeRequest k -> listener.onKeyframeRequest(k.streamId());
                case ControlMessage.Ping p -> sendControl(new ControlMessage.Pong(p.nonce()));
                case ControlMessage.Pong p -> {
                    CompletableFuture<Void> waiting = pendingPings.remove(p.nonce());
                    if (waiting != null) {
                        waiting.complete(null);
                    }
                }
                case ControlMessage.Simulcast sc -> {
                    if (sc.publisherId() == participantId()) {
                        CompletableFuture<Void> ack = pendingSimulcast.remove(sc.sourceId());
                        if (ack != null) {
                            ack.complete(null);
                        }
                    }
                    listener.onSimulcast(sc.publisherId(), sc.streamIds());
                }
                case ControlMessage.Layer l -> {
                    losses.restart(l.publisherId(), l.streamId());
                    listener.onLayer(l.publisherId(), l.sourceId(), l.streamId(), l.layer(),
                            io.kfrelay.protocol.LayerCause.fromCode(l.cause()));
                }
                case ControlMessage.SubscribeRefused r ->
                        listener.onSubscribeRefused(r.publisherId(), r.streamId(), r.code(), r.reason());
                case ControlMessage.Redirect r -> redirected(r);
                case ControlMessage.Nodes n -> endpoints.learn(n);
                case ControlMessage.Join _, ControlMessage.Leave _, ControlMessage.Subscribe _,
                     ControlMessage.Unsubscribe _ ->
                        reportError(new IOException("relay sent " + m.type() + " (a client-only message)"));
            }
        }

        /** REDIRECT: JOIN again at the node it names, unless the join is not pending or has followed enough. */
        private void redirected(ControlMessage.Redirect r) {
            CompletableFuture<Joined> pending = pendingJoin.get();
            ControlMessage.Join join = lastJoin;
            if (joinedHere && !left && !closing && reconnects()) {
                redirectedAfterJoined(r);
                return;
            }
            if (pending == null || pending.isDone() || joinedHere || join == null) {
                reportError(new IOException("relay sent an unexpected REDIRECT to node " + r.node()));
                return;
            }
            String reason = ControlMessage.Redirect.reasonName(r.reason());
            URI from = url;
            boolean quic = "quic".equalsIgnoreCase(from.getScheme());
            String target = quic ? r.quic() : r.ws();
            String hop = r.node() + " (" + (target.isEmpty() ? "no " + (quic ? "QUIC" : "WebSocket") + " URL" : target)
                    + ")";
            if (hops.size() >= MAX_REDIRECTS) {
                pending.completeExceptionally(new RedirectException("gave up after " + MAX_REDIRECTS
                        + " redirects: " + path(hop) + ", the relay at " + from + " redirects again (" + reason + ")",
                        hopsWith(hop)));
                return;
            }
            if (target.isEmpty()) {
                pending.completeExceptionally(new RedirectException("relay " + from + " redirects the join to node "
                        + r.node() + " (" + reason + "), which has no " + (quic ? "QUIC" : "WebSocket")
                        + " URL for this client", hopsWith(hop)));
                return;
            }
            URI to;
            ClientOptions connectOptions = options;
            try {
                to = URI.create(target);
                if (quic && !r.quicPin().isEmpty()) {
                    connectOptions = options.toBuilder().quic(options.quic().withPin(CertificatePin.parse(r.quicPin())))
                            .build();
                }
            } catch (RuntimeException e) {
                pending.completeExceptionally(new RedirectException("relay " + from + " redirects the join to node "
                        + r.node() + " at '" + target + "', which this client cannot use: " + e.getMessage(),
                        hopsWith(hop)));
                return;
            }
            hops.add(hop);
            lastRedirect = r;
            retired = true; // the relay closes this connection now: that close is not the client's
            ClientTransport old = transport;
            if (old != null) {
                old.close();
            }
            try {
                listener.onRedirect(r, to);
            } catch (RuntimeException e) {
                reportError(e);
            }
            Inbound next = new Inbound();
            ClientTransport.connect(to, connectOptions, next).whenComplete((t, error) -> {
                if (error != null) {
                    next.onClosed(new IOException("redirect to node " + r.node() + " at " + to + " failed: "
                            + error.getMessage(), error));
                    return;
                }
                url = to;
                live = next;
                transport = t;
                if (closing) {
                    t.close(); // closed meanwhile: its onClosed fails the join and completes closeFuture()
                    return;
                }
                sendControl(join);
            });
        }

        /**
         * REDIRECT after JOINED (the node drains, or the room moved): the session goes there, as after a lost
         * connection, trying the target first.
         */
        private void redirectedAfterJoined(ControlMessage.Redirect r) {
            boolean quic = endpoints.quic();
            String target = quic ? r.quic() : r.ws();
            RelayEndpoints.Endpoint first = null;
            try {
                if (!target.isEmpty()) {
                    first = new RelayEndpoints.Endpoint(r.node(), URI.create(target), quic ? r.quicPin() : "");
                }
            } catch (IllegalArgumentException e) {
                // a target this client cannot use: the known relays remain
            }
            ClientTransport old = transport;
            startReconnect(this, new IOException("relay " + url + " redirected the session to node " + r.node()
                    + " (" + ControlMessage.Redirect.reasonName(r.reason()) + ")"), first);
            if (old != null) {
                old.close();
            }
        }

        private List<String> hopsWith(String hop) {
            List<String> all = new ArrayList<>(hops);
            all.add(hop);
            return all;
        }

        private String path(String last) {
            return String.join(" -> ", hopsWith(last));
        }

        @Override
        public void onError(Throwable error) {
            if (!retired) {
                reportError(error);
            }
        }

        @Override
        public void onClosed(Throwable cause) {
            if (retired) {
                return;
            }
            CompletableFuture<Joined> pending = pendingJoin.get();
            if (pending != null && !pending.isDone()) {
                boolean attempt = reconnector.active(); // a reconnection's attempt failed: the reconnector goes on
                pending.completeExceptionally(new IOException("connection to " + url + " closed before JOINED"
                        + (cause == null ? "" : ": " + cause.getMessage()), cause));
                if (attempt) {
                    return;
                }
            }
            if (joinedHere && !left && !closing && !finalError && reconnects()) {
                startReconnect(this, cause != null ? cause : new IOException("relay " + url + (shuttingDown
                        ? " is shutting down" : " closed the connection")), null);
                return;
            }
            finishClose();
        }
    }
}
