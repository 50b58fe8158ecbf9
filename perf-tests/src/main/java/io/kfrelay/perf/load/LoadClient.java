package io.kfrelay.perf.load;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.client.RawMediaListener;
import io.kfrelay.perf.media.KeyframeDelay;
import io.kfrelay.perf.media.MediaProfile;
import io.kfrelay.perf.media.Pacing;
import io.kfrelay.perf.media.SendStamp;
import io.kfrelay.perf.media.SimulcastProfile;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.LayerCause;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import org.HdrHistogram.Recorder;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * One participant of the load: a real {@link KfRelayClient} pinned to one client loop. It receives like a
 * subscriber (per packet: read the send stamp, record latency into its loop's tally, count) and, if told to,
 * publishes synthetic audio and video, or a simulcast source, driven by its loop's scheduler. By default it joins
 * subscribed to everything; with a {@link StreamChoice} (and for simulcast sources a {@link LayerSwitcher}) it joins
 * with MANUAL_SUBSCRIBE and subscribes itself, to the streams it wants, as they are announced.
 */
public final class LoadClient implements RawMediaListener {
    private final String identity;
    private final ClientLoops.Slot slot;
    private final ThreadTally tally;
    private final MeasureWindow window;
    private final RunCounters counters;
    private volatile KfRelayClient client;
    /** Whether what this client receives counts as delivered in the window (see the join-storm scenario). */
    private volatile boolean measured = true;
    private volatile LateJoinTracker lateJoin;
    private volatile List<SyntheticStream> streams = List.of();
    private volatile boolean closing;
    /** I/O thread only: whether the first packet's thread was checked to be the slot's (its tally's one writer). */
    private boolean threadChecked;
    /** I/O thread only. */
    private final SequenceCheck sequences = new SequenceCheck(32);
    /** Manual subscription: what to subscribe to of plain streams; null joins subscribed to everything. */
    private volatile StreamChoice choice;
    /** Manual subscription to simulcast sources, switching layers; null for none. */
    private volatile LayerSwitcher switcher;
    /** I/O thread only (with a choice): the identities of the room's participants, by id. */
    private final Map<Long, String> identities = new HashMap<>();
    /** JOIN options this client adds (RECEIVE_ONLY for a cluster's receivers). */
    private volatile int joinOptions;
    /** Armed at an origin's kill: the first picture after it; null otherwise. */
    private volatile FailoverWatch failover;
    /** The last reconnection's node id, or null if the session never moved. */
    private volatile String reconnectedTo;
    private volatile long reconnectedAtNanos;
    /** Live packets of the window this client received (its I/O thread writes, the harness reads). */
    private final java.util.concurrent.atomic.AtomicLong windowDelivered = new java.util.concurrent.atomic.AtomicLong();

    private LoadClient(String identity, ClientLoops.Slot slot, MeasureWindow window, RunCounters counters) {
        this.identity = identity;
        this.slot = slot;
        this.tally = slot.tally();
        this.window = window;
        this.counters = counters;
    }

    /** Opens the connection (on {@code slot}'s loop); the client is not in a room yet. */
    public static CompletableFuture<LoadClient> connect(URI url, ClientOptions base, ClientLoops.Slot slot,
                                                        String identity, MeasureWindow window, RunCounters counters) {
        return connect(List.of(url), base, slot, identity, window, counters);
    }

    /**
     * Opens the connection to the first of {@code urls} that answers; the others are where the client reconnects
     * to if it loses its relay (several relays of one cluster).
     */
    public static CompletableFuture<LoadClient> connect(List<URI> urls, ClientOptions base, ClientLoops.Slot slot,
                                                        String identity, MeasureWindow window, RunCounters counters) {
        LoadClient c = new LoadClient(identity, slot, window, counters);
        ClientOptions options = base.toBuilder().eventLoopGroup(slot.loop()).build();
        return KfRelayClient.connect(urls, options, c).thenApply(k -> {
            c.client = k;
            return c;
        });
    }

    /**
     * Sends JOIN. With {@code lateJoinStreams > 0} this client is a late joiner: the time from now to the first
     * complete keyframe of each of that many video streams goes to {@code lateJoins}. The time to the
     * JOINED answer goes into {@code joinUs}.
     */
    public CompletableFuture<Joined> join(String room, int lateJoinStreams, LateJoinTracker.Sink lateJoins,
                                          Recorder joinUs) {
        long sent = System.nanoTime();
        if (lateJoinStreams > 0) {
            lateJoin = new LateJoinTracker(lateJoinStreams, sent, lateJoins);
        }
        boolean manual = choice != null || switcher != null;
        // The answer completes on the client's I/O thread, before any message that follows JOINED is dispatched, so
        // the streams it lists are subscribed to before any STREAM_STARTED can arrive.
        int options = (manual ? ControlMessage.Join.MANUAL_SUBSCRIBE : 0) | joinOptions;
        return client.join(room, identity, "", options).whenComplete((j, e) -> {
            if (e == null) {
                joinUs.recordValue(micros(System.nanoTime() - sent));
                if (choice != null) {
                    subscribeListed(j);
                }
            }
        });
    }

    /** Joins with RECEIVE_ONLY: a receiver a cluster may serve at an edge (call before {@link #join}). */
    public void receiveOnly() {
        joinOptions |= ControlMessage.Join.RECEIVE_ONLY;
    }

    /** The relay this client is connected to now (where a REDIRECT or a reconnection took it). */
    public URI url() {
        return client.url();
    }

    /** The node the session moved to at its last reconnection, or null if it never moved. */
    public String reconnectedTo() {
        return reconnectedTo;
    }

    /** {@link System#nanoTime()} of the last reconnection (valid once {@link #reconnectedTo} is not null). */
    public long reconnectedAtNanos() {
        return reconnectedAtNanos;
    }

    /**
     * Times, from {@code sinceNanos} (an origin's kill), the first complete keyframe sent after it into {@code sink}
     * ({@link FailoverWatch}).
     */
    public void watchForPicture(long sinceNanos, LateJoinTracker.Sink sink) {
        failover = new FailoverWatch(sinceNanos, new LateJoinTracker(1, sinceNanos, sink));
    }

    /** Whether the watch armed by {@link #watchForPicture} has seen its picture (false when none is armed). */
    public boolean sawPictureAgain() {
        FailoverWatch f = failover;
        return f != null && f.done();
    }

    /**
     * Joins with MANUAL_SUBSCRIBE and subscribes to the plain streams {@code choice} wants (call before
     * {@link #join}).
     */
    public void choose(StreamChoice choice) {
        this.choice = choice;
    }

    /**
     * Joins with MANUAL_SUBSCRIBE (subscribed to no plain stream) and lets a {@link LayerSwitcher} subscribe to the
     * room's simulcast sources and switch their layers (call before {@link #join}).
     */
    public void switchLayers(LayerSwitcher.Plan plan, RandomGenerator random, SwitchStats stats) {
        if (choice == null) {
            choice = StreamChoice.NOTHING;
        }
        switcher = new LayerSwitcher(new LayerSwitcher.Actions() {
            @Override
            public void subscribe(long publisherId, int streamId, int layer) {
                KfRelayClient c = client;
                if (!closing && !c.isClosed()) {
                    c.subscribe(publisherId, streamId, layer);
                }
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                if (!closing) {
                    slot.loop().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
                }
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }
        }, plan, random, stats);
    }

    /** Whether this client receives {@code publisher}'s stream {@code stream} (for what the window expects). */
    public boolean receives(LoadClient publisher, SyntheticStream stream) {
        StreamChoice c = choice;
        return c == null || c.wants(publisher.identity, stream.kind());
    }

    /** Live packets of the window this client received so far. */
    public long windowDelivered() {
        return windowDelivered.getAcquire();
    }

    /** I/O thread: subscribes to the wanted streams JOINED lists, and learns who is who. */
    private void subscribeListed(Joined j) {
        for (ControlMessage.Peer p : j.participants()) {
            identities.put(p.id(), p.identity());
            for (ControlMessage.StreamInfo s : p.streams()) {
                subscribeIfWanted(p.id(), s.streamId(), s.kind());
            }
        }
    }

    private void subscribeIfWanted(long publisherId, int streamId, int kind) {
        StreamChoice c = choice;
        String who = identities.get(publisherId);
        if (c == null || publisherId == client.participantId()) {
            return;
        }
        if (who == null) {
            counters.error(identity, new IllegalStateException("stream " + streamId + " of participant " + publisherId
                    + " started before the participant was announced"));
            return;
        }
        if (c.wants(who, kind)) {
            client.subscribe(publisherId, streamId, 0);
        }
    }

    static long micros(long nanos) {
        return Math.max(0, Math.min(nanos / 1000, ThreadTally.MAX_LATENCY_US));
    }

    /** Starts publishing a video stream (and an audio stream if the profile has audio) of {@code profile}. */
    public void publish(MediaProfile profile, Pacing pacing, KeyframeDelay keyframeDelay) {
        List<SyntheticStream> s = new ArrayList<>();
        s.add(new SyntheticStream(client, SyntheticStream.VIDEO_STREAM_ID, Protocol.KIND_VIDEO, profile, window,
                counters, pacing, keyframeDelay, 0));
        if (profile.hasAudio()) {
            s.add(new SyntheticStream(client, SyntheticStream.AUDIO_STREAM_ID, Protocol.KIND_AUDIO, profile, window,
                    counters, pacing, keyframeDelay, 0));
        }
        streams = List.copyOf(s);
        s.forEach(slot.scheduler()::add);
    }

    /**
     * Declares one simulcast source of {@code profile}'s layers (streams {@link SyntheticStream#SIMULCAST_SOURCE_ID}
     * and up) and, once the relay has announced it, starts publishing them; each layer's periodic keyframes are
     * offset from the others'. Completes when the layers are publishing.
     */
    public CompletableFuture<Void> publishSimulcast(SimulcastProfile profile, Pacing pacing, KeyframeDelay keyframeDelay) {
        int n = profile.layerCount();
        int[] ids = new int[n];
        for (int l = 0; l < n; l++) {
            ids[l] = SyntheticStream.SIMULCAST_SOURCE_ID + l;
        }
        return client.declareSimulcast(ids).thenRun(() -> {
            List<SyntheticStream> s = new ArrayList<>();
            for (int l = 0; l < n; l++) {
                s.add(new SyntheticStream(client, ids[l], Protocol.KIND_VIDEO, profile.layers().get(l), window,
                        counters, pacing, keyframeDelay, (double) l / n));
            }
            streams = List.copyOf(s);
            s.forEach(slot.scheduler()::add);
        });
    }

    /** Switches this publisher's streams to {@code profile} (from their next frame on). */
    public void retarget(MediaProfile profile) {
        slot.scheduler().onLoop(() -> streams.forEach(s -> s.retarget(profile)));
    }

    public List<SyntheticStream> streams() {
        return streams;
    }

    public boolean isPublisher() {
        return !streams.isEmpty();
    }

    public void setMeasured(boolean measured) {
        this.measured = measured;
    }

    public boolean isMeasured() {
        return measured;
    }

    /** Expected streams still without their first complete keyframe (0 when not a late joiner, or done). */
    public int lateJoinPending() {
        LateJoinTracker t = lateJoin;
        return t == null ? 0 : t.pending();
    }

    public String identity() {
        return identity;
    }

    // ------------------------------------------------------------------ I/O thread

    @Override
    public void onRawMedia(MediaHeader h) {
        long now = System.nanoTime();
        if (!threadChecked) {
            threadChecked = true;
            if (!slot.loop().inEventLoop()) {
                counters.error(identity, new IllegalStateException("media arrived off the client's loop: latency "
                        + "histograms would have two writers"));
            }
        }
        int flags = h.flags();
        LateJoinTracker lj = lateJoin;
        if (lj != null && h.kind() == Protocol.KIND_VIDEO
                && lj.onVideo(h.senderId(), h.streamId(), flags, h.sequence(), now)) {
            lateJoin = null;
        }
        FailoverWatch fw = failover;
        if (fw != null && h.kind() == Protocol.KIND_VIDEO && h.payloadLength() >= SendStamp.BYTES && !fw.done()) {
            fw.onVideo(SendStamp.read(h.buffer(), h.payloadOffset()), h.senderId(), h.streamId(), flags, h.sequence(), now);
        }
        LayerSwitcher ls = switcher;
        if (ls != null && h.kind() == Protocol.KIND_VIDEO) {
            ls.onVideo(h.senderId(), h.streamId(), flags, h.sequence(), now);
        }
        if ((flags & Protocol.FLAG_REPLAY) != 0) {
            tally.countReplayed(); // cached, sent long ago: not a latency sample and not a live delivery
            return;
        }
        int jump = sequences.onPacket(h.senderId(), h.streamId(), h.sequence());
        if (jump > 0) {
            tally.countGapAnyReceiver(jump);
        }
        if (!measured || h.payloadLength() < SendStamp.BYTES) {
            return;
        }
        long sent = SendStamp.read(h.buffer(), h.payloadOffset());
        if (window.contains(sent)) {
            tally.record(now - sent, h.frameLength(), jump);
            windowDelivered.setRelease(windowDelivered.getPlain() + 1);
        }
    }

    @Override
    public void onReconnected(Joined joined, String node, URI url, java.time.Duration after) {
        reconnectedAtNanos = System.nanoTime();
        reconnectedTo = node;
    }

    @Override
    public void onParticipantJoined(long participantId, String identity) {
        identities.put(participantId, identity);
    }

    @Override
    public void onParticipantLeft(long participantId) {
        identities.remove(participantId);
        LayerSwitcher ls = switcher;
        if (ls != null) {
            ls.onPublisherLeft(participantId);
        }
    }

    @Override
    public void onStreamStarted(long participantId, int streamId, int kind) {
        subscribeIfWanted(participantId, streamId, kind);
    }

    @Override
    public void onSimulcast(long publisherId, List<Integer> streamIds) {
        LayerSwitcher ls = switcher;
        if (ls != null && publisherId != client.participantId()) {
            ls.onSource(publisherId, streamIds);
        }
    }

    @Override
    public void onLayer(long publisherId, int sourceId, int streamId, int layer, LayerCause cause) {
        // The relay moved this receiver to another stream of the source: that stream's numbers start afresh here.
        sequences.forget(publisherId, streamId);
        LayerSwitcher ls = switcher;
        if (ls != null) {
            ls.onLayer(publisherId, sourceId, streamId, layer);
        }
    }

    @Override
    public void onSubscribeRefused(long publisherId, int streamId, int code, String reason) {
        counters.error(identity, new IllegalStateException("SUBSCRIBE to stream " + streamId + " of participant "
                + publisherId + " refused: " + code + " " + reason));
    }

    @Override
    public void onKeyframeRequest(int streamId) {
        for (SyntheticStream s : streams) {
            if (s.streamId() == streamId) {
                s.requestKeyframe();
            }
        }
    }

    @Override
    public void onError(Throwable error) {
        if (!closing) {
            counters.error(identity, error);
        }
    }

    @Override
    public void onClose() {
        if (!closing) {
            counters.unexpectedClose();
        }
    }

    /** Closes the connection (the relay treats it as a leave). */
    public CompletableFuture<Void> close() {
        closing = true;
        LayerSwitcher ls = switcher;
        if (ls != null) {
            ls.stop();
        }
        KfRelayClient c = client;
        if (c == null) {
            return CompletableFuture.completedFuture(null);
        }
        c.close();
        return c.closeFuture();
    }
}
