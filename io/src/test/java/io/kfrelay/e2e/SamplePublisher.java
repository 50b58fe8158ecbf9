package io.kfrelay.e2e;

import io.kfrelay.cli.FilePublisher;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.media.h264.AccessUnits;
import io.kfrelay.media.h264.SampleStream;
import io.kfrelay.protocol.Protocol;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A participant publishing the real sample clip, looped at 30 fps on video stream 1 (through the same
 * {@link FilePublisher} as {@code kfrelay publish}), and optionally 20 ms audio chunks on stream 2.
 */
final class SamplePublisher implements AutoCloseable {
    static final int VIDEO = 1;
    static final int AUDIO = 2;

    final KfRelayClient client;
    private final FilePublisher video;
    private final CompletableFuture<FilePublisher.Result> videoDone;
    private final Thread audioThread;
    private volatile boolean stopped;

    private SamplePublisher(TestRelay relay, String room, String identity, boolean withAudio, Transport transport)
            throws Exception {
        video = new FilePublisher(AccessUnits.of(SampleStream.bytes()), VIDEO, 30, true,
                new PrintWriter(Writer.nullWriter()));
        client = relay.join(room, identity, video.listener(), transport);
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
        return new SamplePublisher(relay, room, identity, false, transport);
    }

    static SamplePublisher videoAndAudio(TestRelay relay, String room, String identity, Transport transport)
            throws Exception {
        return new SamplePublisher(relay, room, identity, true, transport);
    }

    long id() {
        return client.participantId();
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

    /** Stops sending (bounded wait) without leaving. */
    void stop() {
        stopped = true;
        video.stop();
        try {
            videoDone.get(2, TimeUnit.SECONDS);
            if (audioThread != null) {
                audioThread.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
