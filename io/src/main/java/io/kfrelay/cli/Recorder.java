package io.kfrelay.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.kfrelay.client.ClientListener;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.FrameAssembler;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.client.MediaPacket;
import io.kfrelay.client.RelayErrorException;
import io.kfrelay.json.JsonSupport;
import io.kfrelay.media.opus.OggOpusWriter;
import io.kfrelay.media.opus.OpusPacket;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.LayerCause;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Joins a room as a subscriber and records what arrives: every video stream as {@code DIR/<sender>-<stream>.h264}
 * (the Annex-B frames in arrival order, complete frames only, written as received), every audio stream as
 * {@code DIR/<sender>-<stream>.opus} (see below) and every packet as one line of {@code DIR/packets.jsonl}:
 * <pre>{"t":1732460000123456,"sender":3,"stream":1,"kind":"video","seq":17,"flags":11,"size":1200}</pre>
 * {@code t} is the arrival time in microseconds since the epoch, {@code flags} the media flag byte, {@code size}
 * the whole packet in bytes (20-byte header included).
 *
 * <p><b>Simulcast.</b> A simulcast source is recorded as one file, {@code DIR/<sender>-<source>.h264}, whichever of
 * its layers arrives: the relay switches layers at a keyframe start (its SPS and PPS in front), so the file is one
 * decodable H.264 stream across the switches (a decoder takes the change of resolution). A frame of another layer
 * than the one being written starts a new stretch only if it is a keyframe; anything else of a layer the recording
 * has left (a late datagram) is left out and counted. Layer changes go to {@code DIR/layers.jsonl}, one line each,
 * in the same clock as the packets: what the recorder asked for ({@code "event":"request"}, layer 255 = auto) and
 * what the relay said it sends from then on ({@code "event":"layer"}, with the stream and the cause):
 * <pre>{"t":1732460002000123,"event":"request","sender":3,"source":1,"layer":0}
 * {"t":1732460002001456,"event":"layer","sender":3,"source":1,"stream":1,"layer":0,"cause":"requested"}</pre>
 *
 * <p><b>Audio.</b> Each audio frame is taken for one raw Opus packet (what a WebCodecs {@code AudioEncoder} emits,
 * see docs/PROTOCOL.md) and written into an Ogg Opus file ({@link OggOpusWriter}: two channels, pre-skip 0), its
 * duration read from the packet's TOC byte. A frame that is not a well-formed Opus packet is left out and counted
 * ({@link AudioStreamFile#invalidPackets}); so is a frame older (by sequence number) than one already written
 * ({@link AudioStreamFile#latePackets}). Lost time is filled, as RFC 7845 §4.1 asks: when a frame's 48 kHz
 * timestamp is ahead of where the previous one ended by half a frame or more (packets lost, or not sent: DTX),
 * packets of zero-length frames that a decoder conceals fill the gap first, the nearest whole number of frames of
 * the previous packet's size ({@link AudioStreamFile#concealedMillis}). A jump of more than
 * {@value #MAX_CONCEALED_SECONDS} s is taken for a new timeline (the publisher restarted its clock), not filled.
 * So the file lasts as long as the timestamps say (an invalid packet's time too is filled by concealment, when the
 * next good one comes). A stream whose frames are all invalid still gets its file: the two header pages, no audio.
 *
 * <p><b>What it subscribes to</b> ({@link Selection}): by default it joins like any client, subscribed to every
 * stream and, at the auto layer, to every source. Given a fixed layer or named streams it joins with
 * MANUAL_SUBSCRIBE and subscribes itself: to every stream (or the named ones) as it learns of them, to each source at
 * the layer chosen. A stream listed in JOINED may be a source's layer whose SIMULCAST announcement is still on its
 * way: the recorder asks for it at the chosen layer, and the relay's answer decides (a plain stream refused with
 * NO_SUCH_LAYER is asked for again as the plain stream it is).
 *
 * <p><b>Reconnecting.</b> Given several relays of a cluster (or told of them by NODES), the client reconnects when its
 * relay is lost, and every publisher of the room comes back with a new participant id. The files go on: a file is
 * named by the participant id its publisher had when the recording first saw it, and a participant of a later session
 * with the same identity writes into the same files (a new identity whose id a file already carries gets
 * {@code <id>r<n>}, n the reconnection). After a reconnection a video file goes on at a keyframe; the frames before it
 * are left out (counted with {@link Summary#framesLeftBehind()}).
 *
 * <p>Files are written on the client's I/O thread; {@link #stop()} may be called from any thread (a lock keeps
 * it apart from the writes). A frame still being assembled when its stream ends or its sender leaves is
 * released then (it can never complete) and counted as dropped.
 */
public final class Recorder implements AutoCloseable {
    /** Longest gap in an audio stream filled by concealment; a longer jump of the timestamps is not filled. */
    static final int MAX_CONCEALED_SECONDS = 10;
    // The keys of packets.jsonl and layers.jsonl, quoted and encoded once.
    private static final SerializedString T = new SerializedString("t");
    private static final SerializedString SENDER = new SerializedString("sender");
    private static final SerializedString STREAM = new SerializedString("stream");
    private static final SerializedString KIND = new SerializedString("kind");
    private static final SerializedString SEQ = new SerializedString("seq");
    private static final SerializedString FLAGS = new SerializedString("flags");
    private static final SerializedString SIZE = new SerializedString("size");
    private static final SerializedString EVENT = new SerializedString("event");
    private static final SerializedString SOURCE = new SerializedString("source");
    private static final SerializedString LAYER = new SerializedString("layer");
    private static final SerializedString CAUSE = new SerializedString("cause");
    private final Path dir;
    private final PrintWriter log;
    private final Clock clock;
    private final FrameAssembler assembler;
    /** {@code packets.jsonl} and {@code layers.jsonl}: Jackson streaming generators, one reused for every line. */
    private final JsonGenerator packetLog;
    private final JsonGenerator layerLog;
    private final Selection selection;
    private final Map<String, OpenFile> files = new LinkedHashMap<>();
    private final Map<String, OpenAudio> audioFiles = new LinkedHashMap<>();
    /** Every layer stream of every source the recorder knows of, by {@link #key}(sender, stream). */
    private final Map<Long, Source> sources = new HashMap<>();
    /** Identities of the others who joined after the recorder, by participant id (PARTICIPANT_JOINED). */
    private final Map<Long, String> identities = new HashMap<>();
    /** Streams refused at a layer and asked for again as plain streams, by {@link #key}: once each. */
    private final Set<Long> askedAsPlain = new HashSet<>();
    /** The file name part of each participant of the current session, by participant id ({@link #nameOf}). */
    private final Map<Long, String> names = new HashMap<>();
    /** The file name part of each identity, kept across reconnections: a publisher back goes on in its files. */
    private final Map<String, String> namesByIdentity = new HashMap<>();
    /** Reconnections so far. */
    private int session;
    private final Duration closeTimeout;
    private volatile KfRelayClient client;
    /** The layer asked for of every source now: the selection's, then each {@link #requestLayer}. */
    private volatile int layer;
    private long packets;
    private long framesLeftBehind;
    private IOException writeFailure;
    private boolean stopping;
    private Summary summary;

    /**
     * What the recorder subscribes to.
     *
     * @param layer   the layer wanted of every simulcast source: 0 (the lowest) and up, or {@link Protocol#LAYER_AUTO}
     * @param streams the streams to record, by publisher identity and stream id; empty: every stream of the room
     */
    public record Selection(int layer, List<StreamName> streams) {
        public Selection {
            checkLayer(layer);
            streams = List.copyOf(streams);
        }

        static void checkLayer(int layer) {
            if (layer != Protocol.LAYER_AUTO && (layer < 0 || layer >= Protocol.MAX_LAYERS)) {
                throw new IllegalArgumentException("a layer is 0.." + (Protocol.MAX_LAYERS - 1) + " or auto ("
                        + Protocol.LAYER_AUTO + "), not " + layer);
            }
        }

        /** Everything, at the auto layer: what a client that does not choose gets (a JOIN without options). */
        public static Selection everything() {
            return new Selection(Protocol.LAYER_AUTO, List.of());
        }

        /** Every stream, each source at {@code layer}. */
        public static Selection atLayer(int layer) {
            return new Selection(layer, List.of());
        }

        /** The recorder chooses (JOIN option MANUAL_SUBSCRIBE) rather than taking the relay's default. */
        boolean manual() {
            return layer != Protocol.LAYER_AUTO || !streams.isEmpty();
        }

        /** A layer as the command line writes it: 0, 1, 2 or auto. */
        public static int parseLayer(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.equals("auto")) {
                return Protocol.LAYER_AUTO;
            }
            try {
                int n = Integer.parseInt(v);
                if (n >= 0 && n < Protocol.MAX_LAYERS) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new IllegalArgumentException("a layer is 0.." + (Protocol.MAX_LAYERS - 1)
                    + " (0 the lowest quality) or auto, not '" + value + "'");
        }

        static String layerName(int layer) {
            return layer == Protocol.LAYER_AUTO ? "auto" : Integer.toString(layer);
        }
    }

    /** One stream named on the command line: {@code IDENTITY/STREAM}; for a simulcast source any of its streams. */
    public record StreamName(String identity, int streamId) {
        public static StreamName parse(String value) {
            int slash = value.lastIndexOf('/');
            String expected = "a stream is IDENTITY/STREAM (the publisher's identity, then its stream id), not '"
                    + value + "'";
            if (slash < 1) {
                throw new IllegalArgumentException(expected);
            }
            int id;
            try {
                id = Integer.parseInt(value.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(expected);
            }
            if (id < 0 || id > 0xFFFF) {
                throw new IllegalArgumentException("stream ids are 0..65535, not " + id + " in '" + value + "'");
            }
            return new StreamName(value.substring(0, slash), id);
        }

        @Override
        public String toString() {
            return identity + "/" + streamId;
        }
    }

    /** A simulcast source of another participant. */
    private record Source(long sender, List<Integer> streamIds) {
        int sourceId() {
            return streamIds.getFirst();
        }
    }

    /**
     * What one video stream's (or simulcast source's) file got.
     *
     * @param streams the streams written into it, in order: one for a plain stream, a source's layers as they came
     */
    public record StreamFile(Path path, long frames, long keyframes, long bytes, List<Integer> streams) {
    }

    /**
     * What one audio stream's Ogg Opus file got.
     *
     * @param packets         Opus packets written (the fillers of gaps not counted)
     * @param durationMillis  how long the file plays: every packet's duration, gaps filled included
     * @param concealedMillis of that, the gaps filled with packets the decoder conceals
     * @param invalidPackets  frames left out because they are not well-formed Opus packets
     * @param latePackets     frames left out because they came after a later one of the stream had been written
     * @param bytes           size of the file
     */
    public record AudioStreamFile(Path path, long packets, long durationMillis, long concealedMillis,
                                  long invalidPackets, long latePackets, long bytes) {
    }

    /**
     * @param packets          packets received (all streams, audio included)
     * @param framesDropped    video and audio frames that arrived incomplete and were not written
     * @param framesLeftBehind whole frames of a simulcast layer the recording had already switched away from, and of a
     *                         stream after a reconnection before its first keyframe
     * @param files            the video files, by {@code <sender>-<stream>} (for a simulcast source its source id)
     * @param audioFiles       the audio files, by {@code <sender>-<stream>}
     */
    public record Summary(long packets, long framesDropped, long framesLeftBehind, Map<String, StreamFile> files,
                          Map<String, AudioStreamFile> audioFiles) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder().append(packets).append(" packets, ").append(files.size())
                    .append(" video stream").append(files.size() == 1 ? "" : "s");
            files.forEach((name, f) -> {
                s.append("; ").append(f.path()).append(": ").append(f.frames()).append(" frames (")
                        .append(f.keyframes()).append(" keyframes), ").append(f.bytes()).append(" bytes");
                if (f.streams().size() > 1) {
                    s.append(", streams ").append(f.streams().stream().map(String::valueOf)
                            .collect(java.util.stream.Collectors.joining(" then ")));
                }
            });
            if (!audioFiles.isEmpty()) {
                s.append("; ").append(audioFiles.size()).append(" audio stream").append(audioFiles.size() == 1 ? "" : "s");
            }
            audioFiles.forEach((name, a) -> {
                s.append("; ").append(a.path()).append(": ").append(a.packets()).append(" Opus packets, ")
                        .append(a.durationMillis()).append(" ms");
                if (a.concealedMillis() > 0) {
                    s.append(" (").append(a.concealedMillis()).append(" ms of it lost and concealed)");
                }
                s.append(", ").append(a.bytes()).append(" bytes");
                if (a.invalidPackets() > 0) {
                    s.append(", ").append(a.invalidPackets()).append(" invalid Opus packets not written");
                }
                if (a.latePackets() > 0) {
                    s.append(", ").append(a.latePackets()).append(" late packets not written");
                }
            });
            if (framesDropped > 0) {
                s.append("; ").append(framesDropped).append(" incomplete frames not written");
            }
            if (framesLeftBehind > 0) {
                s.append("; ").append(framesLeftBehind).append(" frames of layers already left not written");
            }
            return s.toString();
        }
    }

    private Recorder(Path dir, PrintWriter log, Clock clock, Duration closeTimeout, Selection selection)
            throws IOException {
        Files.createDirectories(dir);
        this.dir = dir;
        this.log = log;
        this.clock = clock;
        this.closeTimeout = closeTimeout;
        this.selection = selection;
        this.layer = selection.layer();
        // 64 KiB between the generator's 8000-byte buffer and the file: fewer write calls. 1M lines took 160-165 ms
        // with it, 210-260 ms without (best of 20, 2-core development machine).
        this.packetLog = JsonSupport.lineGenerator(
                new BufferedOutputStream(Files.newOutputStream(dir.resolve("packets.jsonl")), 1 << 16));
        this.layerLog = JsonSupport.lineGenerator(Files.newOutputStream(dir.resolve("layers.jsonl")));
        this.assembler = new FrameAssembler(ByteBufAllocator.DEFAULT, this::onFrame);
    }

    /** {@link #start(List, String, String, String, Path, ClientOptions, Selection, PrintWriter)} at one relay. */
    public static Recorder start(URI url, String room, String identity, String token, Path dir,
                                 ClientOptions options, Selection selection, PrintWriter log)
            throws IOException, RelayErrorException, TimeoutException, InterruptedException {
        return start(List.of(url), room, identity, token, dir, options, selection, log);
    }

    /** {@link #start(List, String, String, String, Path, ClientOptions, Selection, PrintWriter)} of everything. */
    public static Recorder start(URI url, String room, String identity, String token, Path dir,
                                 ClientOptions options, PrintWriter log)
            throws IOException, RelayErrorException, TimeoutException, InterruptedException {
        return start(url, room, identity, token, dir, options, Selection.everything(), log);
    }

    /**
     * Connects to the first of {@code urls} that answers (the others are where it reconnects, with those NODES
     * names), joins {@code room}, subscribes to what {@code selection} names and starts recording into {@code dir}
     * (created if needed).
     *
     * @throws RelayErrorException when the relay refuses the join (its ERROR code and reason)
     * @throws IOException         when the relay cannot be reached or the directory cannot be written
     * @throws TimeoutException    when connecting or joining takes longer than the options' connect timeout
     */
    public static Recorder start(List<URI> urls, String room, String identity, String token, Path dir,
                                 ClientOptions options, Selection selection, PrintWriter log)
            throws IOException, RelayErrorException, TimeoutException, InterruptedException {
        Recorder r = new Recorder(dir, log, Clock.systemUTC(), options.closeTimeout(), selection);
        long timeoutMillis = options.connectTimeout().toMillis();
        try {
            // On a timeout await cancels the connect; a connection completing after that is closed by the client.
            r.client = await(KfRelayClient.connect(urls, options, r.listener()), timeoutMillis);
            // A recorder never publishes: a cluster may serve it at an edge (RECEIVE_ONLY).
            int joinOptions = ControlMessage.Join.RECEIVE_ONLY
                    | (selection.manual() ? ControlMessage.Join.MANUAL_SUBSCRIBE : 0);
            Joined joined = await(r.client.join(room, identity, token, joinOptions), timeoutMillis);
            r.named(joined);
            log.printf("recording room '%s' as participant %d into %s (%d already there)%n", joined.room(),
                    joined.participantId(), dir, joined.participants().size());
            r.subscribeToJoined(joined);
            return r;
        } catch (IOException | RelayErrorException | TimeoutException | InterruptedException | RuntimeException e) {
            r.stop();
            throw e;
        }
    }

    private static <T> T await(CompletableFuture<T> f, long timeoutMillis)
            throws IOException, RelayErrorException, TimeoutException, InterruptedException {
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RelayErrorException r -> throw r;
                case IOException io -> throw io;
                case RuntimeException re -> throw re;
                default -> throw new IOException(e.getCause());
            }
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new TimeoutException("no answer from the relay within " + timeoutMillis + " ms");
        }
    }

    public Path directory() {
        return dir;
    }

    /** Participant id the relay gave the recorder. */
    public long participantId() {
        KfRelayClient c = client;
        return c == null ? -1 : c.participantId();
    }

    /** Completes when the relay closes the connection (e.g. it shuts down). */
    public CompletableFuture<Void> closeFuture() {
        return client.closeFuture();
    }

    /**
     * Asks for {@code layer} (0.. or {@link Protocol#LAYER_AUTO}) of every simulcast source recorded, from now on
     * (also of the sources that start later). Logged in {@code layers.jsonl}. Any thread.
     */
    public void requestLayer(int layer) {
        Selection.checkLayer(layer);
        this.layer = layer;
        List<Source> recorded;
        synchronized (this) {
            if (stopping) {
                return;
            }
            recorded = new ArrayList<>(new LinkedHashSet<>(sources.values()));
        }
        log.printf("asking for layer %s of %d simulcast source%s%n", Selection.layerName(layer), recorded.size(),
                recorded.size() == 1 ? "" : "s");
        for (Source src : recorded) {
            if (wanted(src.sender(), src.streamIds())) {
                logLayerEvent("request", src.sender(), src.sourceId(), -1, layer, null);
                subscribe(src.sender(), src.sourceId(), layer);
            }
        }
    }

    /**
     * Leaves the room, closes the connection and the files. Idempotent: later calls return the same summary.
     * The connection is gone when it returns: the client cuts it after its close timeout if the relay does not
     * take the goodbye.
     *
     * @throws UncheckedIOException if a file could not be written
     */
    public Summary stop() {
        synchronized (this) {
            if (summary != null) {
                return summary;
            }
            stopping = true; // packets still arriving are ignored from here on
        }
        // Outside the lock: the I/O thread may be waiting for it to deliver a packet, and must be free to close.
        KfRelayClient c = client;
        if (c != null) {
            c.leave();
            c.close();
            try {
                // The client's own timer cuts the connection after closeTimeout; the margin covers its I/O thread.
                c.closeFuture().get(closeTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.println("kfrelay record: the connection did not close in time: " + e);
            }
        }
        return finish();
    }

    private synchronized Summary finish() {
        if (summary != null) {
            return summary;
        }
        assembler.close();
        IOException failure = writeFailure;
        Map<String, StreamFile> done = new LinkedHashMap<>();
        for (Map.Entry<String, OpenFile> e : files.entrySet()) {
            done.put(e.getKey(), e.getValue().finish());
        }
        Map<String, AudioStreamFile> audioDone = new LinkedHashMap<>();
        for (Map.Entry<String, OpenAudio> e : audioFiles.entrySet()) {
            try {
                e.getValue().ogg.close(); // the last page, flagged end-of-stream
            } catch (IOException ex) {
                failure = failure == null ? ex : failure;
            }
            audioDone.put(e.getKey(), e.getValue().finish());
        }
        for (var w : List.of(packetLog, layerLog)) {
            try {
                w.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        List<OutputStream> outs = new ArrayList<>();
        files.values().forEach(f -> outs.add(f.out));
        audioFiles.values().forEach(a -> outs.add(a.out));
        for (OutputStream out : outs) {
            try {
                out.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        summary = new Summary(packets, assembler.framesDropped(), framesLeftBehind, Collections.unmodifiableMap(done),
                Collections.unmodifiableMap(audioDone));
        if (failure != null) {
            throw new UncheckedIOException("recording into " + dir + " failed", failure);
        }
        return summary;
    }

    @Override
    public void close() {
        stop();
    }

    private ClientListener listener() {
        return new ClientListener() {
            @Override
            public void onRedirect(io.kfrelay.protocol.ControlMessage.Redirect redirect, java.net.URI target) {
                log.println(RedirectLine.of(redirect, target));
                log.flush();
            }

            @Override
            public void onReconnecting(Throwable cause) {
                log.println(ReconnectLine.lost(cause));
                log.flush();
                lost();
            }

            @Override
            public void onReconnected(Joined joined, String node, URI url, Duration after) {
                log.println(ReconnectLine.reconnected(node, url, after));
                log.printf("recording room '%s' as participant %d again (%d there)%n", joined.room(),
                        joined.participantId(), joined.participants().size());
                log.flush();
                named(joined);
            }

            @Override
            public void onMedia(MediaPacket p) {
                onPacket(p);
            }

            @Override
            public void onParticipantJoined(long id, String identity) {
                log.printf("participant %d (%s) joined%n", id, identity);
                synchronized (Recorder.this) {
                    identities.put(id, identity);
                    name(id, identity);
                }
            }

            @Override
            public void onParticipantLeft(long id) {
                log.printf("participant %d left%n", id);
                discardSender(id);
            }

            @Override
            public void onStreamStarted(long id, int streamId, int kind) {
                log.printf("participant %d started %s stream %d%n", id, Protocol.kindName(kind), streamId);
                boolean layerOfSource;
                synchronized (Recorder.this) {
                    layerOfSource = sources.containsKey(key(id, streamId));
                }
                // A layer's SIMULCAST came before it started: its source is subscribed to already.
                if (selection.manual() && !layerOfSource && wanted(id, List.of(streamId))) {
                    subscribe(id, streamId, 0);
                }
            }

            @Override
            public void onStreamEnded(long id, int streamId) {
                log.printf("participant %d ended stream %d%n", id, streamId);
                discardStream(id, streamId);
            }

            @Override
            public void onSimulcast(long publisherId, List<Integer> streamIds) {
                if (publisherId == participantId()) {
                    return;
                }
                log.printf("participant %d publishes simulcast source %d: streams %s, lowest quality first%n",
                        publisherId, streamIds.getFirst(), streamIds);
                Source src = new Source(publisherId, List.copyOf(streamIds));
                synchronized (Recorder.this) {
                    for (int id : streamIds) {
                        sources.put(key(publisherId, id), src);
                    }
                }
                // Joined without options and nothing asked for yet, the relay subscribes to it at the auto layer.
                int wantedLayer = layer;
                if ((selection.manual() || wantedLayer != Protocol.LAYER_AUTO) && wanted(publisherId, streamIds)) {
                    logLayerEvent("request", publisherId, src.sourceId(), -1, wantedLayer, null);
                    subscribe(publisherId, src.sourceId(), wantedLayer);
                }
            }

            @Override
            public void onLayer(long publisherId, int sourceId, int streamId, int layerNow, LayerCause cause) {
                String why = cause == null ? "unknown" : cause.name().toLowerCase(Locale.ROOT);
                log.printf("participant %d's source %d: layer %d (stream %d) from now on, %s%n", publisherId,
                        sourceId, layerNow, streamId, why);
                logLayerEvent("layer", publisherId, sourceId, streamId, layerNow, why);
            }

            @Override
            public void onSubscribeRefused(long publisherId, int streamId, int code, String reason) {
                long stream = key(publisherId, streamId);
                boolean plain;
                synchronized (Recorder.this) {
                    plain = code == ErrorCodes.NO_SUCH_LAYER && !sources.containsKey(stream) && askedAsPlain.add(stream);
                }
                if (plain) {
                    // A stream from JOINED asked for at a layer, in case it was a source's: it is a plain stream.
                    subscribe(publisherId, streamId, 0);
                    return;
                }
                log.printf("kfrelay record: the relay refused to send stream %d of participant %d: %d %s%n",
                        streamId, publisherId, code, reason);
            }

            @Override
            public void onError(Throwable error) {
                log.println("kfrelay record: " + error.getMessage());
            }
        };
    }

    /**
     * Manual subscription: every stream the JOINED lists that the selection wants. A video stream is asked for at
     * the selection's layer (it may be a layer of a source whose SIMULCAST is on its way), audio as itself.
     */
    private void subscribeToJoined(Joined joined) {
        if (!selection.manual()) {
            return;
        }
        for (ControlMessage.Peer p : joined.participants()) {
            for (ControlMessage.StreamInfo s : p.streams()) {
                Source src;
                synchronized (this) {
                    src = sources.get(key(p.id(), s.streamId()));
                }
                if (src != null) {
                    continue; // its SIMULCAST came already, and with it the subscription
                }
                if (wanted(p.id(), List.of(s.streamId()))) {
                    subscribe(p.id(), s.streamId(), s.kind() == Protocol.KIND_VIDEO ? layer : 0);
                }
            }
        }
    }

    /** The connection is lost: nothing of the old session's participants can complete, and their ids are void. */
    private synchronized void lost() {
        if (stopping) {
            return;
        }
        for (long id : names.keySet()) {
            assembler.discardSender(id);
        }
        names.clear();
        identities.clear();
        sources.clear();
        askedAsPlain.clear();
        files.values().forEach(f -> f.awaitKeyframe = true);
        session++;
    }

    /** A session's JOINED: names for everyone already there. */
    private synchronized void named(Joined joined) {
        for (ControlMessage.Peer p : joined.participants()) {
            identities.put(p.id(), p.identity());
            name(p.id(), p.identity());
        }
    }

    /**
     * Gives participant {@code id} its file name part: its identity's from an earlier session if that is free in this
     * one (a publisher back after a reconnection), else its id ({@code <id>r<session>} if a file already uses the id).
     */
    private void name(long id, String identity) {
        String earlier = namesByIdentity.get(identity);
        if (earlier != null && !names.containsValue(earlier)) {
            names.put(id, earlier);
            return;
        }
        String name = Long.toString(id);
        if (session > 0 && namesByIdentity.containsValue(name)) {
            name = id + "r" + session;
        }
        names.put(id, name);
        namesByIdentity.putIfAbsent(identity, name);
    }

    /** The file name part of {@code sender} (under the lock). */
    private String nameOf(long sender) {
        String name = names.get(sender);
        return name != null ? name : Long.toString(sender);
    }

    /** Whether the selection names one of {@code streamIds} of {@code sender} (or names nothing: everything). */
    private boolean wanted(long sender, List<Integer> streamIds) {
        if (selection.streams().isEmpty()) {
            return true;
        }
        String identity = identityOf(sender);
        for (StreamName n : selection.streams()) {
            if (n.identity().equals(identity) && streamIds.contains(n.streamId())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The identity of participant {@code id}, or null. Those in JOINED are looked up there: the SIMULCAST messages
     * that follow it may be handled (on the I/O thread) before {@link #start} has noted them.
     */
    private String identityOf(long id) {
        synchronized (this) {
            String known = identities.get(id);
            if (known != null) {
                return known;
            }
        }
        KfRelayClient c = client;
        Joined joined = c == null ? null : c.joined();
        if (joined != null) {
            for (ControlMessage.Peer p : joined.participants()) {
                if (p.id() == id) {
                    return p.identity();
                }
            }
        }
        return null;
    }

    private void subscribe(long publisher, int streamId, int wantedLayer) {
        KfRelayClient c = client;
        try {
            c.subscribe(publisher, streamId, wantedLayer);
        } catch (IllegalStateException closedOrLeft) {
            // the recording is ending
        }
    }

    private void logLayerEvent(String event, long sender, int sourceId, int streamId, int layerNumber, String cause) {
        long now = micros(clock.instant());
        synchronized (this) {
            if (stopping) {
                return;
            }
            try {
                JsonGenerator g = layerLog;
                g.writeStartObject();
                g.writeFieldName(T);
                g.writeNumber(now);
                g.writeFieldName(EVENT);
                g.writeString(event);
                g.writeFieldName(SENDER);
                g.writeNumber(sender);
                g.writeFieldName(SOURCE);
                g.writeNumber(sourceId);
                if (streamId >= 0) {
                    g.writeFieldName(STREAM);
                    g.writeNumber(streamId);
                }
                g.writeFieldName(LAYER);
                g.writeNumber(layerNumber);
                if (cause != null) {
                    g.writeFieldName(CAUSE);
                    g.writeString(cause);
                }
                g.writeEndObject();
                g.writeRaw('\n');
                g.flush(); // rare, and read while the recording runs by whoever watches the switch
            } catch (IOException e) {
                writeFailure = writeFailure == null ? e : writeFailure;
            }
        }
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    private static long key(long sender, int streamId) {
        return sender << 16 | streamId;
    }

    /** The stream ended: its unfinished frame can never complete. */
    private synchronized void discardStream(long senderId, int streamId) {
        if (!stopping) { // once stopping, finish() releases everything
            assembler.discard(senderId, streamId);
        }
    }

    /** The sender left: none of its unfinished frames can complete. */
    private synchronized void discardSender(long senderId) {
        if (!stopping) {
            assembler.discardSender(senderId);
        }
    }

    /** Frames being assembled now. */
    synchronized int framesInProgress() {
        return assembler.framesInProgress();
    }

    /** Video frames written into the files so far, all files together. */
    public synchronized long framesWritten() {
        return files.values().stream().mapToLong(f -> f.frames).sum();
    }

    /** Packets received so far. */
    synchronized long packetsReceived() {
        return packets;
    }

    private synchronized void onPacket(MediaPacket p) {
        if (stopping) {
            return;
        }
        packets++;
        try {
            JsonGenerator g = packetLog;
            g.writeStartObject();
            g.writeFieldName(T);
            g.writeNumber(micros(clock.instant()));
            g.writeFieldName(SENDER);
            g.writeNumber(p.senderId());
            g.writeFieldName(STREAM);
            g.writeNumber(p.streamId());
            g.writeFieldName(KIND);
            g.writeString(Protocol.kindName(p.kind()));
            g.writeFieldName(SEQ);
            g.writeNumber(p.sequence());
            g.writeFieldName(FLAGS);
            g.writeNumber(p.flags());
            g.writeFieldName(SIZE);
            g.writeNumber(p.packetBytes());
            g.writeEndObject();
            g.writeRaw('\n');
        } catch (IOException e) {
            writeFailure = writeFailure == null ? e : writeFailure;
        }
        assembler.accept(p);
    }

    /** Called by the assembler (inside onPacket, so under the lock) with each complete frame. */
    private void onFrame(FrameAssembler.Frame frame) {
        if (frame.kind() == Protocol.KIND_AUDIO) {
            onAudioFrame(frame);
            return;
        }
        if (frame.kind() != Protocol.KIND_VIDEO) {
            return;
        }
        Source src = sources.get(key(frame.senderId(), frame.streamId()));
        String name = nameOf(frame.senderId()) + "-" + (src == null ? frame.streamId() : src.sourceId());
        try {
            OpenFile f = files.get(name);
            if (f == null) {
                f = new OpenFile(dir.resolve(name + ".h264"));
                files.put(name, f);
            }
            if (!f.accepts(frame)) {
                framesLeftBehind++;
                return;
            }
            f.write(frame);
        } catch (IOException e) {
            writeFailure = writeFailure == null ? e : writeFailure;
        }
    }

    private void onAudioFrame(FrameAssembler.Frame frame) {
        String name = nameOf(frame.senderId()) + "-" + frame.streamId();
        try {
            OpenAudio a = audioFiles.get(name);
            if (a == null) {
                a = new OpenAudio(dir.resolve(name + ".opus"), (int) key(frame.senderId(), frame.streamId()));
                audioFiles.put(name, a);
            }
            a.write(frame);
        } catch (IOException e) {
            writeFailure = writeFailure == null ? e : writeFailure;
        }
    }

    /** One open .opus file, where its stream has got to, and what went into it. */
    private static final class OpenAudio {
        final Path path;
        final OutputStream out;
        final OggOpusWriter ogg;
        /** Sequence number after the last frame written, and the timestamp where its audio ends; valid once written. */
        long nextSequence;
        long nextTimestamp;
        boolean written;
        long late;

        OpenAudio(Path path, int serial) throws IOException {
            this.path = path;
            this.out = new BufferedOutputStream(Files.newOutputStream(path), 16 * 1024);
            this.ogg = new OggOpusWriter(out, serial);
        }

        void write(FrameAssembler.Frame frame) throws IOException {
            if (written && MediaHeader.seqDelta(nextSequence, frame.firstSequence()) < 0) {
                late++; // reordered: its place in the file is taken (and, if it was missing, concealed)
                return;
            }
            byte[] packet = ByteBufUtil.getBytes(frame.data());
            int samples = OpusPacket.samples(packet);
            if (samples < 0) {
                ogg.write(packet); // refused and counted as invalid
                return;
            }
            if (written) {
                long gap = MediaHeader.seqDelta(nextTimestamp, frame.timestamp()); // timestamps wrap like sequences
                if (gap > 0 && gap <= MAX_CONCEALED_SECONDS * 48_000L) {
                    ogg.conceal(gap); // whole frames: less than half a frame of timestamp jitter fills nothing
                }
            }
            ogg.write(packet);
            written = true;
            nextSequence = (frame.firstSequence() + frame.packets()) & 0xFFFFFFFFL;
            nextTimestamp = (frame.timestamp() + samples) & 0xFFFFFFFFL;
        }

        AudioStreamFile finish() {
            long bytes;
            try {
                out.flush();
                bytes = Files.size(path);
            } catch (IOException e) {
                bytes = ogg.bytesWritten();
            }
            return new AudioStreamFile(path, ogg.packets(), ogg.durationMillis(), ogg.concealedSamples() / 48,
                    ogg.invalidPackets(), late, bytes);
        }
    }

    /** One open .h264 file and what went into it. */
    private static final class OpenFile {
        final Path path;
        final OutputStream out;
        final List<Integer> streams = new ArrayList<>(1);
        /** A reconnection happened: the file goes on at the next keyframe (a decoder could not follow before it). */
        boolean awaitKeyframe;
        long frames;
        long keyframes;
        long bytes;

        OpenFile(Path path) throws IOException {
            this.path = path;
            this.out = new BufferedOutputStream(Files.newOutputStream(path), 64 * 1024);
        }

        /**
         * The stream being written goes on; another one (a simulcast source's next layer) takes over at a keyframe,
         * where a decoder can follow it. Anything else is a late frame of a layer already left.
         */
        boolean accepts(FrameAssembler.Frame frame) {
            if (awaitKeyframe) {
                if (!frame.keyframe()) {
                    return false;
                }
                awaitKeyframe = false;
            }
            int current = streams.isEmpty() ? -1 : streams.getLast();
            if (frame.streamId() == current) {
                return true;
            }
            if (current >= 0 && !frame.keyframe()) {
                return false;
            }
            streams.add(frame.streamId());
            return true;
        }

        void write(FrameAssembler.Frame frame) throws IOException {
            ByteBuf data = frame.data();
            int length = data.readableBytes();
            data.getBytes(data.readerIndex(), out, length);
            frames++;
            keyframes += frame.keyframe() ? 1 : 0;
            bytes += length;
        }

        StreamFile finish() {
            return new StreamFile(path, frames, keyframes, bytes, List.copyOf(streams));
        }
    }
}
