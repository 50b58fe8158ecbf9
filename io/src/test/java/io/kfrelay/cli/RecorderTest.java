package io.kfrelay.cli;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.FakeRelay;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.LayerCause;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The recorder holds nothing for streams that are over, and leaves no connection behind when it stops. */
@Timeout(30)
class RecorderTest {
    private static final int VIDEO_START = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START;

    @TempDir
    Path dir;
    private final StringWriter log = new StringWriter();

    private Recorder start(FakeRelay relay, ClientOptions options) throws Exception {
        CompletableFuture<Recorder> starting = CompletableFuture.supplyAsync(() -> {
            try {
                return Recorder.start(relay.url(), "r", "recorder", "", dir, options, new PrintWriter(log, true));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        relay.acceptJoin(1);
        return starting.get(5, TimeUnit.SECONDS);
    }

    @Test
    void anUnfinishedFrameIsReleasedWhenItsStreamEndsOrItsSenderLeaves() throws Exception {
        try (FakeRelay relay = FakeRelay.start()) {
            Recorder recorder = start(relay, ClientOptions.defaults());
            // Two frames that start and never end: the publishers went away in the middle of them.
            relay.sendMedia(VIDEO_START, Protocol.KIND_VIDEO, 5, 1, 0, 0, new byte[1000]);
            relay.sendMedia(VIDEO_START, Protocol.KIND_VIDEO, 6, 1, 0, 0, new byte[1000]);
            within("both frames are being assembled", () -> recorder.framesInProgress() == 2);

            relay.send(new ControlMessage.StreamEnded(5, 1));
            within("the ended stream's frame is released", () -> recorder.framesInProgress() == 1);
            relay.send(new ControlMessage.ParticipantLeft(6));
            within("the departed sender's frame is released", () -> recorder.framesInProgress() == 0);

            assertEquals(2, recorder.stop().framesDropped(), "both count as incomplete frames");
        }
    }

    @Test
    void stopLeavesNoConnectionBehindEvenWhenTheRelayHasStoppedReading() throws Exception {
        try (FakeRelay relay = FakeRelay.start(4096)) {
            ClientOptions options = ClientOptions.builder().closeTimeout(Duration.ofMillis(500)).build();
            Recorder recorder = start(relay, options);
            // The relay floods PINGs and reads nothing: the recorder's PONGs pile up behind a full socket.
            relay.sendRepeatedly(new ControlMessage.Ping(1), 500_000); // 8 MB of PONGs: more than any socket buffer
            Thread.sleep(1_500); // for the recorder to answer them all

            long begin = System.nanoTime();
            recorder.stop();
            long tookMillis = (System.nanoTime() - begin) / 1_000_000;

            assertTrue(recorder.closeFuture().isDone(), "the connection is closed when stop returns");
            assertTrue(tookMillis < 500 + 1_500, "stop took " + tookMillis + " ms");
        }
    }

    @Test
    void aSimulcastSourceIsOneFileWhoseLayerChangesOnlyAtAKeyframe() throws Exception {
        int one = Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END;
        int key = one | Protocol.FLAG_KEYFRAME;
        try (FakeRelay relay = FakeRelay.start()) {
            Recorder recorder = start(relay, ClientOptions.defaults());
            relay.send(new ControlMessage.Simulcast(5, List.of(1, 2, 3)));
            relay.sendMedia(key, Protocol.KIND_VIDEO, 5, 3, 0, 0, bytes("A"));
            relay.sendMedia(one, Protocol.KIND_VIDEO, 5, 3, 1, 3000, bytes("B"));
            relay.send(new ControlMessage.Layer(5, 1, 1, 0, LayerCause.REQUESTED.code()));
            relay.sendMedia(one, Protocol.KIND_VIDEO, 5, 1, 9, 3000, bytes("x")); // not a keyframe: no way in
            relay.sendMedia(key, Protocol.KIND_VIDEO, 5, 1, 10, 6000, bytes("C"));
            relay.sendMedia(one, Protocol.KIND_VIDEO, 5, 1, 11, 9000, bytes("D"));
            relay.sendMedia(one, Protocol.KIND_VIDEO, 5, 3, 2, 6000, bytes("y")); // late: the layer was left
            within("all six packets are in", () -> recorder.packetsReceived() == 6);

            Recorder.Summary summary = recorder.stop();
            Recorder.StreamFile file = summary.files().get("5-1");
            assertEquals(List.of("5-1"), List.copyOf(summary.files().keySet()), "one file for the source");
            assertEquals(List.of(3, 1), file.streams(), "720p, then from its keyframe on 180p");
            assertEquals("ABCD", Files.readString(dir.resolve("5-1.h264")), "the frames of each stretch, in order");
            assertEquals(2, file.keyframes());
            assertEquals(2, summary.framesLeftBehind(), "the delta before the new layer's keyframe, the late one");
            assertTrue(Files.readString(dir.resolve("layers.jsonl")).matches(
                    "\\{\"t\":\\d+,\"event\":\"layer\",\"sender\":5,\"source\":1,\"stream\":1,\"layer\":0,"
                            + "\"cause\":\"requested\"}\n"), "the LAYER is logged");
            assertTrue(log.toString().contains("layer 0 (stream 1)"), log.toString());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static void within(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within 5 s: " + what);
            }
            Thread.sleep(10);
        }
    }
}
