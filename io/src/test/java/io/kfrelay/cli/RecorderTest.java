package io.kfrelay.cli;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.FakeRelay;
import io.kfrelay.media.opus.OggReader;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
            List<String> lines = Files.readAllLines(dir.resolve("packets.jsonl"));
            assertEquals(6, lines.size(), "a line per packet");
            assertTrue(lines.getFirst().matches("\\{\"t\":\\d{16},\"sender\":5,\"stream\":3,\"kind\":\"video\",\"seq\":0,"
                    + "\"flags\":" + key + ",\"size\":21}"), "the documented line, keys in order: " + lines.getFirst());
            assertTrue(Files.readString(dir.resolve("packets.jsonl")).endsWith("}\n"), "each line ends in a newline");
            assertTrue(log.toString().contains("layer 0 (stream 1)"), log.toString());
        }
    }

    @Test
    void eachAudioStreamIsAnOggOpusFileWithItsGapsConcealedAndBadPacketsLeftOut() throws Exception {
        int one = Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END;
        byte[] opus = {(byte) (31 << 3), 1, 2, 3}; // CELT FB, 20 ms
        try (FakeRelay relay = FakeRelay.start()) {
            Recorder recorder = start(relay, ClientOptions.defaults());
            relay.sendMedia(one, Protocol.KIND_AUDIO, 5, 2, 100, 48_000, opus);
            relay.sendMedia(one, Protocol.KIND_AUDIO, 5, 2, 101, 48_960, opus);
            // 102 and 103 lost: 40 ms; 104 arrives 3 samples early (timestamp jitter: nothing to fill)
            relay.sendMedia(one, Protocol.KIND_AUDIO, 5, 2, 104, 48_960 + 3 * 960 - 3, opus);
            relay.sendMedia(one, Protocol.KIND_AUDIO, 5, 2, 103, 48_960 + 2 * 960, opus); // late: its time is filled
            relay.sendMedia(one, Protocol.KIND_AUDIO, 5, 2, 105, 48_960 + 4 * 960, new byte[] {(byte) 0xFB}); // code 3, no count
            relay.sendMedia(one, Protocol.KIND_AUDIO, 5, 2, 106, 48_960 + 5 * 960, opus); // after the invalid one: filled
            relay.sendMedia(one, Protocol.KIND_AUDIO, 6, 2, 0, 0, new byte[0]); // another sender: nothing valid
            relay.sendMedia(one, Protocol.KIND_VIDEO, 5, 1, 0, 0, bytes("V"));
            within("all eight packets are in", () -> recorder.packetsReceived() == 8);

            Recorder.Summary summary = recorder.stop();
            assertEquals(List.of("5-1"), List.copyOf(summary.files().keySet()), "files() is the video files");
            assertEquals(List.of("5-2", "6-2"), List.copyOf(summary.audioFiles().keySet()));
            Recorder.AudioStreamFile a = summary.audioFiles().get("5-2");
            assertEquals(dir.resolve("5-2.opus"), a.path());
            assertEquals(4, a.packets());
            assertEquals(1, a.invalidPackets());
            assertEquals(1, a.latePackets());
            assertEquals(140, a.durationMillis(), "7 x 20 ms: 4 packets, 2 lost, 1 invalid");
            assertEquals(60, a.concealedMillis());
            assertEquals(Files.size(a.path()), a.bytes());

            OggReader.Stream ogg = OggReader.read(Files.readAllBytes(a.path()));
            List<byte[]> packets = ogg.audioPackets();
            assertEquals(6, packets.size(), "opus, opus, a filler of 2 frames, opus, a filler of 1, opus");
            assertArrayEquals(new byte[] {(byte) (31 << 3 | 3), 2}, packets.get(2));
            assertArrayEquals(new byte[] {(byte) (31 << 3 | 3), 1}, packets.get(4));
            assertEquals(7 * 960, ogg.pages().getLast().granule());
            assertTrue((ogg.pages().getLast().flags() & 0x04) != 0, "end of stream");

            Recorder.AudioStreamFile empty = summary.audioFiles().get("6-2");
            assertEquals(0, empty.packets());
            assertEquals(1, empty.invalidPackets());
            assertEquals(0, OggReader.read(Files.readAllBytes(empty.path())).audioPackets().size());
            assertTrue(summary.toString().contains(a.path() + ": 4 Opus packets, 140 ms (60 ms of it lost and "
                    + "concealed), " + a.bytes() + " bytes, 1 invalid Opus packets not written, 1 late packets not "
                    + "written"), summary.toString());
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
