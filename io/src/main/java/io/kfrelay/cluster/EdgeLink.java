package io.kfrelay.cluster;

import io.kfrelay.client.CertificatePin;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.client.QuicClientOptions;
import io.kfrelay.client.RawMediaListener;
import io.kfrelay.client.ReconnectOptions;
import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.pipeline.RelaySession;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.MessageType;
import io.kfrelay.room.Grants;
import io.netty.buffer.ByteBuf;
import org.agrona.collections.Long2ObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * This node relaying one room as an edge (docs/CLUSTER.md, cascade): one participant at the room's origin, joined
 * over QUIC with a cluster credential, subscribed to nothing at first. Each publisher at the origin gets a local
 * stand-in here, a {@link Mirror}: a participant of this node's core with the publisher's identity and streams
 * ({@link Grants#MIRROR}), whose media is what the origin sends for that publisher. The local core does the rest as
 * for any publisher: it caches keyframes/GOPs and fans out to the receivers here, and it tells each stand-in when a
 * stream gets its first receiver here or loses its last ({@link ParticipantSink#demand}): the link turns that into
 * SUBSCRIBE/UNSUBSCRIBE at the origin, so the edge receives the union of what its receivers want. A first SUBSCRIBE
 * is answered by the origin with a replay of its cache (the priming: reliable, the origin sends an edge's media on
 * the QUIC control stream); keyframe requests of the local core for a stream being primed are not sent upstream (the
 * priming brings the keyframe), the others go upstream, merged per stream by the local core's throttle.
 *
 * <p>Threads: the link's client calls back on its I/O thread (roster, media); the core calls the mirrors' sinks on
 * its shard thread (demand, keyframe requests), which only sends through the thread-safe client.
 */
final class EdgeLink implements RawMediaListener {
    private static final Logger LOG = LoggerFactory.getLogger(EdgeLink.class);

    /** What the link needs of its node. */
    interface Node {
        String nodeId();

        /** A credential for {@code room} at {@code epoch}. */
        String credential(String room, long epoch);

        /** The link to the origin is gone without {@link #close} (origin died, or refused us): look again. */
        void linkLost(EdgeLink link, Throwable cause);
    }

    static final java.time.Duration IDLE_TIMEOUT = java.time.Duration.ofSeconds(3);
    static final java.time.Duration KEEP_ALIVE = java.time.Duration.ofMillis(500);
    static final java.time.Duration CONNECT_TIMEOUT = java.time.Duration.ofSeconds(2);

    private final String room;
    private final RoomOwner origin;
    private final NodeRecord originNode;
    private final RelayCore core;
    private final Node node;
    private final ClusterMetrics metrics;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    /**
     * Stand-ins by the publisher's participant id at the origin. Read per packet without a lock: a write (a publisher
     * comes or goes) replaces the map, under {@link #writeLock}.
     */
    private volatile Long2ObjectHashMap<Mirror> mirrors = new Long2ObjectHashMap<>();
    /** Identities of participants at the origin that have no stand-in yet (no stream so far); under writeLock. */
    private final Long2ObjectHashMap<String> identities = new Long2ObjectHashMap<>();
    private final Object writeLock = new Object();
    /** Streams heard of before the barrier (after JOINED, the SIMULCASTs that follow it must come first). */
    private List<Runnable> beforeBarrier = new ArrayList<>();
    private volatile KfRelayClient client;
    private volatile boolean closed;
    /** Sessions placed here through this link (guarded by the node). */
    int refs;

    EdgeLink(String room, RoomOwner origin, NodeRecord originNode, RelayCore core, Node node, ClusterMetrics metrics) {
        this.room = room;
        this.origin = origin;
        this.originNode = originNode;
        this.core = core;
        this.node = node;
        this.metrics = metrics;
    }

    String room() {
        return room;
    }

    /** The origin this link relays from, and at which epoch. */
    RoomOwner origin() {
        return origin;
    }

    /** Completes once the room's publishers exist here (their streams announced): receivers may join then. */
    CompletableFuture<Void> ready() {
        return ready;
    }

    boolean isUp() {
        KfRelayClient c = client;
        return ready.isDone() && !ready.isCompletedExceptionally() && c != null && !c.isClosed() && !closed;
    }

    /** Connects to the origin over QUIC and joins as an edge. */
    void start() {
        URI url;
        try {
            url = URI.create(originNode.quic());
        } catch (IllegalArgumentException e) {
            fail(new IllegalStateException("origin " + origin.node() + " advertises no usable QUIC URL: '"
                    + originNode.quic() + "'"));
            return;
        }
        // An origin that dies sends nothing: the link must notice within seconds, not the 30 s a client waits.
        QuicClientOptions quic = QuicClientOptions.defaults().withTimeouts(IDLE_TIMEOUT, KEEP_ALIVE);
        quic = originNode.quicPin().isEmpty() ? quic.withInsecure() : quic.withPin(CertificatePin.parse(originNode.quicPin()));
        // The link follows the room itself (ClusterNode.relink, at the room's new epoch): the client never reconnects.
        ClientOptions options = ClientOptions.builder().quic(quic).connectTimeout(CONNECT_TIMEOUT)
                .reconnect(ReconnectOptions.defaults().withMode(ReconnectOptions.Mode.OFF)).build();
        KfRelayClient.connect(url, options, this).thenCompose(c -> {
            client = c;
            if (closed) {
                c.close();
                throw new IllegalStateException("link closed while connecting");
            }
            return c.join(room, "edge:" + node.nodeId(), node.credential(room, origin.epoch()),
                    ControlMessage.Join.MANUAL_SUBSCRIBE | ControlMessage.Join.RECEIVE_ONLY);
        }).thenCompose(joined -> {
            // The roster's publishers get stand-ins now, their streams once the SIMULCASTs after JOINED are in.
            for (ControlMessage.Peer p : joined.participants()) {
                for (ControlMessage.StreamInfo s : p.streams()) {
                    streamStarted(p.id(), p.identity(), s.streamId(), s.kind());
                }
            }
            return client.ping();
        }).orTimeout(10, TimeUnit.SECONDS).whenComplete((v, e) -> {
            if (e != null) {
                fail(e);
                return;
            }
            client.closeFuture().whenComplete((x, y) -> onClosed());
            List<Runnable> waiting = beforeBarrier;
            beforeBarrier = null;
            waiting.forEach(Runnable::run);
            LOG.info("event=edge_link_up room={} origin={} epoch={} publishers={}", room, origin.node(),
                    origin.epoch(), mirrors.size());
            ready.complete(null);
        });
    }

    private void fail(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (ready.completeExceptionally(cause)) {
            LOG.warn("event=edge_link_failed room={} origin={} epoch={} error=\"{}\"", room, origin.node(),
                    origin.epoch(), cause.toString());
        }
        close();
        node.linkLost(this, cause);
    }

    private void onClosed() {
        if (!closed) {
            LOG.warn("event=edge_link_lost room={} origin={} epoch={}: the relayed publishers leave here; looking "
                    + "for the room's origin again", room, origin.node(), origin.epoch());
            close();
            node.linkLost(this, new java.io.IOException("connection to origin " + origin.node() + " closed"));
        }
    }

    /** Ends the link: every stand-in leaves (its streams end here, their caches go), the connection closes. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        KfRelayClient c = client;
        if (c != null) {
            c.close();
            // Stand-ins are touched on the client's I/O thread; after close() it calls back no more.
        }
        List<Mirror> all;
        synchronized (writeLock) {
            all = new ArrayList<>(mirrors.values());
            mirrors = new Long2ObjectHashMap<>();
        }
        all.forEach(Mirror::leave);
    }

    // ------------------------------------------------------------------ from the origin (client I/O thread)

    @Override
    public void onStreamStarted(long participantId, int streamId, int kind) {
        streamStarted(participantId, null, streamId, kind);
    }

    private void streamStarted(long publisherId, String identity, int streamId, int kind) {
        Mirror m = mirror(publisherId, identity);
        if (m == null) {
            return;
        }
        if (beforeBarrier != null) {
            beforeBarrier.add(() -> m.session.announceStream(streamId, kind));
        } else {
            m.session.announceStream(streamId, kind);
        }
    }

    @Override
    public void onParticipantJoined(long participantId, String identity) {
        synchronized (writeLock) {
            identities.put(participantId, identity);
        }
    }

    @Override
    public void onParticipantLeft(long participantId) {
        Mirror m;
        synchronized (writeLock) {
            identities.remove(participantId);
            m = mirrors.get(participantId);
            if (m != null) {
                Long2ObjectHashMap<Mirror> next = new Long2ObjectHashMap<>(mirrors);
                next.remove(participantId);
                mirrors = next;
            }
        }
        if (m != null) {
            m.leave();
        }
    }

    @Override
    public void onStreamEnded(long participantId, int streamId) {
        Mirror m = mirrors.get(participantId);
        if (m != null) {
            m.session.endStream(streamId);
        }
    }

    @Override
    public void onSimulcast(long publisherId, List<Integer> streamIds) {
        Mirror m = mirror(publisherId, null);
        if (m != null) {
            String refusal = m.session.declareSimulcast(streamIds);
            if (refusal != null) {
                LOG.warn("event=edge_simulcast_refused room={} publisher={} error=\"{}\"", room, publisherId, refusal);
            }
        }
    }

    @Override
    public void onRawMedia(MediaHeader h) {
        Mirror m = mirrors.get(h.senderId());
        if (m == null) {
            metrics.cascadeDropped();
            return;
        }
        if (h.isKeyframe() && h.isFrameStart()) {
            m.priming.remove(h.streamId()); // the priming (or a live keyframe) is here
        }
        metrics.cascadeIn(h.frameLength());
        // The core stamps the stand-in's id as sender and clears REPLAY: the packet is as the publisher sent it.
        ByteBuf frame = h.buffer();
        boolean whole = h.offset() == frame.readerIndex() && h.frameLength() == frame.readableBytes();
        // The transport hands each packet as a buffer of its own: pass it on with a reference, no slice per packet.
        m.session.publish(whole ? frame.retain() : frame.retainedSlice(h.offset(), h.frameLength()));
    }

    @Override
    public void onError(Throwable error) {
        LOG.debug("event=edge_link_error room={} error=\"{}\"", room, error.toString());
    }

    /** The stand-in of {@code publisherId}, created at its first stream or source. */
    private Mirror mirror(long publisherId, String identity) {
        if (closed) {
            return null;
        }
        Mirror m = mirrors.get(publisherId);
        if (m != null) {
            return m;
        }
        synchronized (writeLock) {
            m = mirrors.get(publisherId);
            if (m == null && !closed) {
                String name = identity != null ? identity : identities.get(publisherId);
                m = new Mirror(publisherId);
                m.session = core.join(room, name != null ? name : "publisher-" + publisherId, Grants.MIRROR, true, m);
                Long2ObjectHashMap<Mirror> next = new Long2ObjectHashMap<>(mirrors);
                next.put(publisherId, m);
                mirrors = next;
            }
            return m;
        }
    }

    // ------------------------------------------------------------------ stand-ins (core shard thread)

    /** A publisher at the origin as this node's core sees it. */
    private final class Mirror implements ParticipantSink {
        final long originId;
        /** Video streams subscribed upstream whose first keyframe (the priming) has not arrived yet. */
        final Set<Integer> priming = ConcurrentHashMap.newKeySet();
        volatile RelaySession session;

        Mirror(long originId) {
            this.originId = originId;
        }

        void leave() {
            RelaySession s = session;
            if (s != null) {
                s.leave();
            }
        }

        @Override
        public void demand(int streamId, boolean wanted) {
            KfRelayClient c = client;
            if (c == null || closed) {
                return;
            }
            if (wanted) {
                priming.add(streamId);
                metrics.upstreamSubscribe();
                c.subscribe(originId, streamId, 0);
            } else {
                priming.remove(streamId);
                c.unsubscribe(originId, streamId);
            }
        }

        @Override
        public void sendControl(ByteBuf message) {
            try {
                if (ControlCodec.peekType(message) == MessageType.KEYFRAME_REQUEST
                        && ControlCodec.decode(message) instanceof ControlCodec.Decoded.Ok(
                        ControlMessage.KeyframeRequest k)) {
                    keyframeWanted(k.streamId());
                }
            } finally {
                message.release();
            }
        }

        private void keyframeWanted(int streamId) {
            KfRelayClient c = client;
            if (c == null || closed) {
                return;
            }
            if (priming.contains(streamId)) {
                metrics.keyframeRequestPrimed(); // the origin's replay of its cache brings one
                return;
            }
            metrics.upstreamKeyframeRequest();
            c.requestKeyframe(originId, streamId);
        }

        @Override
        public void sendMedia(ByteBuf packet) {
            // A stand-in receives nothing (Grants.MIRROR has no canSubscribe).
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            // The core ended the stand-in (relay stopping, or an eviction): nothing to write anywhere.
        }
    }

    @Override
    public String toString() {
        return "edge link " + room + " <- " + origin.node() + "@" + origin.epoch();
    }
}
