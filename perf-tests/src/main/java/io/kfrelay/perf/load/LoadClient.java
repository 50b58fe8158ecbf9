package io.kfrelay.perf.load;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.client.RawMediaListener;
import io.kfrelay.perf.media.MediaProfile;
import io.kfrelay.perf.media.Pacing;
import io.kfrelay.perf.media.SendStamp;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import org.HdrHistogram.Recorder;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One participant of the load: a real {@link KfRelayClient} pinned to one client loop. It receives like a
 * subscriber (per packet: read the send stamp, record latency into its loop's tally, count) and, if told to,
 * publishes synthetic audio and video driven by its loop's scheduler.
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
        LoadClient c = new LoadClient(identity, slot, window, counters);
        ClientOptions options = base.toBuilder().eventLoopGroup(slot.loop()).build();
        return KfRelayClient.connect(url, options, c).thenApply(k -> {
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
        return client.join(room, identity, "").whenComplete((j, e) -> {
            if (e == null) {
                joinUs.recordValue(micros(System.nanoTime() - sent));
            }
        });
    }

    static long micros(long nanos) {
        return Math.max(0, Math.min(nanos / 1000, ThreadTally.MAX_LATENCY_US));
    }

    /** Starts publishing a video stream (and an audio stream if the profile has audio) of {@code profile}. */
    public void publish(MediaProfile profile, Pacing pacing) {
        List<SyntheticStream> s = new ArrayList<>();
        s.add(new SyntheticStream(client, SyntheticStream.VIDEO_STREAM_ID, Protocol.KIND_VIDEO, profile, window,
                counters, pacing));
        if (profile.hasAudio()) {
            s.add(new SyntheticStream(client, SyntheticStream.AUDIO_STREAM_ID, Protocol.KIND_AUDIO, profile, window,
                    counters, pacing));
        }
        streams = List.copyOf(s);
        s.forEach(slot.scheduler()::add);
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
        }
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
        KfRelayClient c = client;
        if (c == null) {
            return CompletableFuture.completedFuture(null);
        }
        c.close();
        return c.closeFuture();
    }
}
