package io.kfrelay.e2e;

import io.kfrelay.cli.Recorder;
import io.kfrelay.client.ClientListener;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.media.opus.OggOpusWriter;
import io.kfrelay.media.opus.OggReader;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.config.CacheMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Spec: the Ogg Opus files the recorder writes are what ffmpeg reads: real Opus packets (libopus's, from the
 * test resource sine.opus) decode without an error, and the file lasts as long as its packets, lost ones included.
 */
@Timeout(60)
class OggOpusIT {
    private static List<byte[]> sine;

    @TempDir
    Path dir;

    @BeforeAll
    static void packets() throws IOException {
        Ffmpeg.assumeInstalled();
        try (InputStream in = OggOpusIT.class.getResourceAsStream("/media/sine.opus")) {
            assertNotNull(in);
            sine = OggReader.read(in.readAllBytes()).audioPackets(); // 51 packets of 20 ms
        }
    }

    @Test
    void theWritersFileDecodesWithoutAnErrorAndLastsAsLongAsItsPacketsAndGaps() throws IOException {
        Path file = dir.resolve("w.opus");
        try (OutputStream out = Files.newOutputStream(file); OggOpusWriter w = new OggOpusWriter(out, 9)) {
            for (int i = 0; i < 3 * sine.size(); i++) {
                if (i == 60) {
                    assertEquals(10 * 960, w.conceal(10 * 960)); // packets 50..59 lost
                }
                if (i < 50 || i >= 60) {
                    w.write(sine.get(i % sine.size()));
                }
            }
            w.write(new byte[0]); // refused
            assertEquals(153 * 960, w.granule());
        }
        assertEquals("", Ffmpeg.audioDecodeErrors(file));
        assertEquals(153 * 0.020, Ffmpeg.durationSeconds(file), 0.0005);
    }

    @Test
    void aRecordedAudioStreamDecodesWithoutAnErrorAndLastsAsLongAsItsPackets() throws Exception {
        StringWriter log = new StringWriter();
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME)) {
            Recorder recorder = Recorder.start(relay.url(Transport.WS), "talk", "recorder", "", dir,
                    relay.options(Transport.WS), new PrintWriter(log, true));
            KfRelayClient alice = relay.join("talk", "alice", new ClientListener() { }, Transport.WS);
            // 2 s of 20 ms chunks paced in real time, like a browser's AudioEncoder; 40..44 are never sent (DTX, or
            // lost on the way): the recorder fills their 100 ms from the timestamps.
            long start = System.nanoTime();
            for (int n = 0; n < 100; n++) {
                LockSupport.parkNanos(start + n * 20_000_000L - System.nanoTime());
                if (n < 40 || n >= 45) {
                    alice.publishFrame(2, Protocol.KIND_AUDIO, false, sine.get(n % sine.size()), 1_000_000L + n * 960);
                }
            }
            Thread.sleep(500); // for the last chunks to arrive (one hop on localhost)
            Recorder.Summary summary = recorder.stop();
            alice.close();

            String name = alice.participantId() + "-2";
            Recorder.AudioStreamFile a = summary.audioFiles().get(name);
            assertNotNull(a, summary + "\n" + log);
            assertEquals(dir.resolve(name + ".opus"), a.path());
            assertEquals(95, a.packets(), summary.toString());
            assertEquals(0, a.invalidPackets());
            assertEquals(100, a.concealedMillis());
            assertEquals(2000, a.durationMillis());
            assertEquals("", Ffmpeg.audioDecodeErrors(a.path()));
            assertEquals(2.0, Ffmpeg.durationSeconds(a.path()), 0.0005);
        }
    }
}
