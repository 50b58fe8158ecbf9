package io.kfrelay.cli;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.FakeRelay;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.media.h264.NalUnit;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.MessageType;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A publisher facing a relay that falls behind drops what nothing depends on, and nothing else, instead of queueing. */
@Timeout(30)
class FilePublisherTest {
    private static final int FRAMES = 60;
    private static final int GOP = 15;
    private static final int FRAME_BYTES = 256 * 1024;

    @Test
    void aRelayThatFallsBehindMakesThePublisherSkipDeltasButNeverAKeyframe() throws Exception {
        byte[] annexB = new byte[FRAME_BYTES];
        List<AccessUnit> frames = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            frames.add(new AccessUnit(List.of(new NalUnit(annexB, 0, 4, FRAME_BYTES)), i % GOP == 0));
        }
        FilePublisher publisher = new FilePublisher(frames, 1, 100, false, new PrintWriter(new StringWriter()));
        try (FakeRelay relay = FakeRelay.start(4096)) {
            KfRelayClient client = relay.join(ClientOptions.defaults(), publisher.listener(), 1);
            CompletableFuture<FilePublisher.Result> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return publisher.run(client);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500); // the relay reads nothing for a while: 50 frames' time, 12 MB
            FrameCount received = new FrameCount();
            Thread reader = Thread.ofPlatform().start(() -> received.readAll(relay));

            FilePublisher.Result result = run.get(20, TimeUnit.SECONDS);
            client.close();
            reader.join(10_000);

            assertTrue(result.skipped() > 0, "deltas were skipped: " + result);
            assertEquals(FRAMES / GOP, result.keyframes(), "every keyframe was sent: " + result);
            assertEquals(FRAMES, result.frames() + result.skipped(), "each frame sent or skipped: " + result);
            assertEquals(result.frames(), received.frames, "the relay got every frame sent");
            assertEquals(FRAMES / GOP, received.keyframes);
        }
    }

    /** Whole frames the relay received (their FRAME_END packets). */
    private static final class FrameCount {
        volatile long frames;
        volatile long keyframes;

        void readAll(FakeRelay relay) {
            MediaHeader h = new MediaHeader();
            try {
                for (byte[] m = relay.readMessage(); m != null; m = relay.readMessage()) {
                    var buf = Unpooled.wrappedBuffer(m);
                    if (ControlCodec.peekType(buf) == MessageType.MEDIA) {
                        h.wrap(buf);
                        if ((h.flags() & Protocol.FLAG_FRAME_END) != 0) {
                            frames++;
                            keyframes += (h.flags() & Protocol.FLAG_KEYFRAME) != 0 ? 1 : 0;
                        }
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
