package io.kfrelay.e2e;

import io.kfrelay.cli.FilePublisher;
import io.kfrelay.client.ClientListener;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.media.h264.AccessUnits;
import io.kfrelay.media.h264.SampleStream;
import io.kfrelay.protocol.Protocol;

import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.time.Instant;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A participant publishing the real sample clip (or other access units), looped at 30 fps on video stream 1
 * (through the same {@link FilePublisher} as {@code kfrelay publish}), and optionally 20 ms audio chunks on stream 2;
 * or a simulcast source of two or three layers on streams 1, 2, 3.
 */
final class SamplePublisher implements AutoCloseable {
    static final int VIDEO = 1;
    static final int AUDIO = 2;

    final KfRelayClient client;
    private final FilePublisher video;
    private final CompletableFuture<FilePublisher.Result> videoDone;
    private final Thread audioThread;
    private final long startNanos;
    private final Instant startedAt;
    private volatile boolean stopped;

    /** How the publisher gets its connection: connected and joined, listening with the listener given. */
    @FunctionalInterface
    interface Joining {
        KfRelayClient join(ClientListener listener) throws Exception;
    }

    /** One layer per list of frames, on streams {@value #VIDEO}, {@value #VIDEO} + 1, ...: more than one is simulcast. */
    private SamplePublisher(List<List<AccessUnit>> layers, String identity, boolean withAudio, Joining joining)
            throws Exception {
        List<FilePublisher.Layer> streams = new java.util.ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            streams.add(new FilePublisher.Layer("layer " + i, VIDEO + i, layers.get(i)));
        }
        // A second of patience: on a busy 2-core machine the client may stall a moment; a test stream must stay whole.
        video = new FilePublisher(streams, 30, true, new PrintWriter(Writer.nullWriter()), Duration.ofSeconds(1));
        client = joining.join(video.listener());
        startNanos = System.nanoTime();
        startedAt = Instant.now();
        videoDone = CompletableFuture.supplyAsync(() -> {
            try {
                return video.run(client);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofPlatform().name("publish-" + identity).daemon().start(r));
        audioThread = withAudio ? Thread.ofPlatform().name("audio-" + identity).daemon().start(this::sendAudio) : null;
    }

    static SamplePublisher videoOnly(TestRelay relay, String room, String identity) throws Exception {
        return videoOnly(relay, room, identity, Transport.WS);
    }

    static SamplePublisher videoAndAudio(TestRelay relay, String room, String identity) throws Exception {
        return videoAndAudio(relay, room, identity, Transport.WS);
    }

    static SamplePublisher videoOnly(TestRelay relay, String room, String identity, Transport transport) throws Exception {
        return new SamplePublisher(List.of(sample()), identity, false, l -> relay.join(room, identity, l, transport));
    }

    static SamplePublisher videoAndAudio(TestRelay relay, String room, String identity, Transport transport)
            throws Exception {
        return new SamplePublisher(List.of(sample()), identity, true, l -> relay.join(room, identity, l, transport));
    }

    /** Publishes {@code frames} (video only) on the connection {@code joining} makes: through a proxy, say. */
    static SamplePublisher video(List<AccessUnit> frames, String identity, Joining joining) throws Exception {
        return new SamplePublisher(List.of(frames), identity, false, joining);
    }

    /** Publishes {@code frames} (video only) to the relay at {@code url}, one that is not a {@link TestRelay}. */
    static SamplePublisher video(List<AccessUnit> frames, URI url, ClientOptions options, String room, String identity)
            throws Exception {
        return video(frames, identity, l -> {
            KfRelayClient c = KfRelayClient.connect(url, options, l).get(5, TimeUnit.SECONDS);
            try {
                c.join(room, identity, "").get(5, TimeUnit.SECONDS);
                return c;
            } catch (Exception | Error e) {
                c.close();
                throw e;
            }
        });
    }

    /**
     * Publishes the layers of one simulcast source (video only) on streams {@value #VIDEO}.. (declared, and
     * acknowledged by the relay, before any media), looped, all on one clock.
     */
    static SamplePublisher simulcast(List<List<AccessUnit>> layers, String identity, Joining joining) throws Exception {
        return new SamplePublisher(layers, identity, false, joining);
    }

    private static List<AccessUnit> sample() {
        return AccessUnits.of(SampleStream.bytes());
    }

    /** When it started sending (its first frame goes out at once), on {@link System#nanoTime()}. */
    long startNanos() {
        return startNanos;
    }

    /** The same moment on the wall clock. */
    Instant startedAt() {
        return startedAt;
    }

    long id() {
        return client.participantId();
    }

    /** KEYFRAME_REQUESTs the relay sent this publisher for {@code streamId} so far. */
    long keyframeRequests(int streamId) {
        return video.keyframeRequests(streamId);
    }

    /** 20 ms chunks of 160 bytes on the 48 kHz clock, each one packet. */
    private void sendAudio() {
        byte[] chunk = new byte[160];
        long start = System.nanoTime();
        for (long n = 0; !stopped && !client.isClosed(); n++) {
            long wait = start + n * 20_000_000L - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            try {
                client.publishFrame(AUDIO, Protocol.KIND_AUDIO, false, chunk, n * 960);
            } catch (IllegalStateException closedOrLeft) {
                return;
            }
        }
    }

    /** Stops sending (bounded wait) without leaving; returns what the video publisher sent (null if interrupted). */
    FilePublisher.Result stop() {
        stopped = true;
        video.stop();
        try {
            FilePublisher.Result result = videoDone.get(2, TimeUnit.SECONDS);
            if (audioThread != null) {
                audioThread.join(2000);
            }
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the publisher of the sample did not stop cleanly", e);
        }
    }

    @Override
    public void close() {
        stop();
        client.close();
    }
}
