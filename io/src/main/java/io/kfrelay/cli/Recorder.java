package io.kfrelay.cli;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.FrameAssembler;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.client.MediaPacket;
import io.kfrelay.client.RelayErrorException;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Joins a room as a subscriber and records what arrives: every video stream as {@code DIR/<sender>-<stream>.h264}
 * (the Annex-B frames in arrival order, complete frames only, written as received) and every packet as one
 * line of {@code DIR/packets.jsonl}:
 * <pre>{"t":1732460000123456,"sender":3,"stream":1,"kind":"video","seq":17,"flags":11,"size":1200}</pre>
 * {@code t} is the arrival time in microseconds since the epoch, {@code flags} the media flag byte, {@code size}
 * the whole packet in bytes (20-byte header included).
 *
 * <p>Files are written on the client's I/O thread; {@link #stop()} may be called from any thread (a lock keeps
 * it apart from the writes). A frame still being assembled when its stream ends or its sender leaves is
 * released then (it can never complete) and counted as dropped.
 */
public final class Recorder implements AutoCloseable {
    private final Path dir;
    private final PrintWriter log;
    private final Clock clock;
    private final FrameAssembler assembler;
    private final BufferedWriter packetLog;
    private final Map<String, OpenFile> files = new LinkedHashMap<>();
    private final StringBuilder line = new StringBuilder(128);
    private final Duration closeTimeout;
    private KfRelayClient client;
    private long packets;
    private IOException writeFailure;
    private boolean stopping;
    private Summary summary;

    /** What one video stream's file got. */
    public record StreamFile(Path path, long frames, long keyframes, long bytes) {
    }

    /**
     * @param packets        packets received (all streams, audio included)
     * @param framesDropped  video and audio frames that arrived incomplete and were not written
     */
    public record Summary(long packets, long framesDropped, Map<String, StreamFile> files) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder().append(packets).append(" packets, ").append(files.size())
                    .append(" video stream").append(files.size() == 1 ? "" : "s");
            files.forEach((name, f) -> s.append("; ").append(f.path()).append(": ").append(f.frames())
                    .append(" frames (").append(f.keyframes()).append(" keyframes), ").append(f.bytes()).append(" bytes"));
            if (framesDropped > 0) {
                s.append("; ").append(framesDropped).append(" incomplete frames not written");
            }
            return s.toString();
        }
    }

    private Recorder(Path dir, PrintWriter log, Clock clock, Duration closeTimeout) throws IOException {
        Files.createDirectories(dir);
        this.dir = dir;
        this.log = log;
        this.clock = clock;
        this.closeTimeout = closeTimeout;
        this.packetLog = Files.newBufferedWriter(dir.resolve("packets.jsonl"), StandardCharsets.UTF_8);
        this.assembler = new FrameAssembler(ByteBufAllocator.DEFAULT, this::onFrame);
    }

    /**
     * Connects, joins {@code room} and starts recording into {@code dir} (created if needed).
     *
     * @throws RelayErrorException when the relay refuses the join (its ERROR code and reason)
     * @throws IOException         when the relay cannot be reached or the directory cannot be written
     * @throws TimeoutException    when connecting or joining takes longer than the options' connect timeout
     */
    public static Recorder start(URI url, String room, String identity, String token, Path dir,
                                 ClientOptions options, PrintWriter log)
            throws IOException, RelayErrorException, TimeoutException, InterruptedException {
        Recorder r = new Recorder(dir, log, Clock.systemUTC(), options.closeTimeout());
        long timeoutMillis = options.connectTimeout().toMillis();
        try {
            // On a timeout await cancels the connect; a connection completing after that is closed by the client.
            r.client = await(KfRelayClient.connect(url, options, r.listener()), timeoutMillis);
            Joined joined = await(r.client.join(room, identity, token), timeoutMillis);
            log.printf("recording room '%s' as participant %d into %s (%d already there)%n", joined.room(),
                    joined.participantId(), dir, joined.participants().size());
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
        return client == null ? -1 : client.participantId();
    }

    /** Completes when the relay closes the connection (e.g. it shuts down). */
    public CompletableFuture<Void> closeFuture() {
        return client.closeFuture();
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
        if (client != null) {
            client.leave();
            client.close();
            try {
                // The client's own timer cuts the connection after closeTimeout; the margin covers its I/O thread.
                client.closeFuture().get(closeTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
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
        try {
            packetLog.close();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
        for (OpenFile f : files.values()) {
            try {
                f.out.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        summary = new Summary(packets, assembler.framesDropped(), Collections.unmodifiableMap(done));
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
            public void onMedia(MediaPacket p) {
                onPacket(p);
            }

            @Override
            public void onParticipantJoined(long id, String identity) {
                log.printf("participant %d (%s) joined%n", id, identity);
            }

            @Override
            public void onParticipantLeft(long id) {
                log.printf("participant %d left%n", id);
                discardSender(id);
            }

            @Override
            public void onStreamStarted(long id, int streamId, int kind) {
                log.printf("participant %d started %s stream %d%n", id, Protocol.kindName(kind), streamId);
            }

            @Override
            public void onStreamEnded(long id, int streamId) {
                log.printf("participant %d ended stream %d%n", id, streamId);
                discardStream(id, streamId);
            }

            @Override
            public void onError(Throwable error) {
                log.println("kfrelay record: " + error.getMessage());
            }
        };
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

    private synchronized void onPacket(MediaPacket p) {
        if (stopping) {
            return;
        }
        packets++;
        Instant now = clock.instant();
        long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        line.setLength(0);
        line.append("{\"t\":").append(micros)
                .append(",\"sender\":").append(p.senderId())
                .append(",\"stream\":").append(p.streamId())
                .append(",\"kind\":\"").append(Protocol.kindName(p.kind()))
                .append("\",\"seq\":").append(p.sequence())
                .append(",\"flags\":").append(p.flags())
                .append(",\"size\":").append(p.packetBytes())
                .append("}\n");
        try {
            packetLog.append(line);
        } catch (IOException e) {
            writeFailure = writeFailure == null ? e : writeFailure;
        }
        assembler.accept(p);
    }

    /** Called by the assembler (inside onPacket, so under the lock) with each complete frame. */
    private void onFrame(FrameAssembler.Frame frame) {
        if (frame.kind() != Protocol.KIND_VIDEO) {
            return;
        }
        String name = frame.senderId() + "-" + frame.streamId();
        try {
            OpenFile f = files.get(name);
            if (f == null) {
                f = new OpenFile(dir.resolve(name + ".h264"));
                files.put(name, f);
            }
            f.write(frame);
        } catch (IOException e) {
            writeFailure = writeFailure == null ? e : writeFailure;
        }
    }

    /** One open .h264 file and what went into it. */
    private static final class OpenFile {
        final Path path;
        final OutputStream out;
        long frames;
        long keyframes;
        long bytes;

        OpenFile(Path path) throws IOException {
            this.path = path;
            this.out = new BufferedOutputStream(Files.newOutputStream(path), 64 * 1024);
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
            return new StreamFile(path, frames, keyframes, bytes);
        }
    }
}
