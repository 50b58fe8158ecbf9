package io.kfrelay.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** publish and record refuse bad input with a message that says what is wrong, before touching the network. */
class ClientCommandsTest {
    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(args, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void publishingAFileThatIsNotH264AnnexBSaysSo() throws IOException {
        Path mp4 = Files.write(tmp.resolve("clip.mp4"), new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'});
        assertEquals(1, run("publish", "--url", "ws://127.0.0.1:1", "--room", "r", "--file", mp4.toString()));
        assertTrue(err.toString().contains("not an H.264 Annex-B stream"), err.toString());
    }

    @Test
    void publishingAMissingFileSaysSo() {
        assertEquals(1, run("publish", "--url", "ws://127.0.0.1:1", "--room", "r", "--file", tmp.resolve("nope.h264").toString()));
        assertTrue(err.toString().contains("does not exist"), err.toString());
    }

    @Test
    void aUrlThatIsNotWsIsAUsageError() {
        assertEquals(2, run("record", "--url", "http://127.0.0.1:8080", "--room", "r", "--out", tmp.toString()));
        assertTrue(err.toString().contains("ws://HOST:PORT"), err.toString());
    }

    @Test
    void aDurationWithoutAUnitIsAUsageError() {
        assertEquals(2, run("record", "--url", "ws://127.0.0.1:8080", "--room", "r", "--out", tmp.toString(),
                "--duration", "4"));
        assertTrue(err.toString().contains("500ms, 5s, 1m"), err.toString());
    }

    @Test
    void recordingFromARelayThatIsNotThereFailsClearly() throws IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertEquals(1, run("record", "--url", "ws://127.0.0.1:" + port, "--room", "r", "--out", tmp.toString()));
        assertTrue(err.toString().contains("cannot connect"), err.toString());
    }

    @Test
    void aSimulcastSourceHasAtMostThreeLayersOfTheSameFrameCount() throws IOException {
        Path sample = Path.of("src/test/resources/media/sample.h264");
        String f = sample.toString();
        assertEquals(2, run("publish", "--url", "ws://127.0.0.1:1", "--room", "r", "--file", f, "--file", f, "--file", f,
                "--file", f));
        assertTrue(err.toString().contains("at most 3 layers"), err.toString());

        byte[] clip = Files.readAllBytes(sample);
        Path shorter = Files.write(tmp.resolve("shorter.h264"), java.util.Arrays.copyOf(clip, clip.length / 2));
        assertEquals(2, run("publish", "--url", "ws://127.0.0.1:1", "--room", "r", "--file", shorter.toString(),
                "--file", f));
        assertTrue(err.toString().contains("the same number of frames"), err.toString());

        assertEquals(2, run("publish", "--url", "ws://127.0.0.1:1", "--room", "r", "--stream", "65535", "--file", f,
                "--file", f));
        assertTrue(err.toString().contains("--stream must be 0..65534"), err.toString());
    }

    @Test
    void aLayerIsZeroToTwoOrAuto() {
        assertEquals(2, run("record", "--url", "ws://127.0.0.1:1", "--room", "r", "--out", tmp.toString(), "--layer", "3"));
        assertTrue(err.toString().contains("0..2 (0 the lowest quality) or auto, not '3'"), err.toString());
    }

    @Test
    void aLayerSwitchIsTimeColonLayerWithinTheRecording() {
        assertEquals(2, run("record", "--url", "ws://127.0.0.1:1", "--room", "r", "--out", tmp.toString(),
                "--switch-layer-at", "2s"));
        assertTrue(err.toString().contains("TIME:LAYER"), err.toString());
        assertEquals(2, run("record", "--url", "ws://127.0.0.1:1", "--room", "r", "--out", tmp.toString(),
                "--duration", "4s", "--switch-layer-at", "1s:0", "--switch-layer-at", "5s:auto"));
        assertTrue(err.toString().contains("not before the end of the recording"), err.toString());
    }

    @Test
    void aStreamToSubscribeToIsIdentitySlashStream() {
        assertEquals(2, run("record", "--url", "ws://127.0.0.1:1", "--room", "r", "--out", tmp.toString(),
                "--subscribe", "alice"));
        assertTrue(err.toString().contains("IDENTITY/STREAM"), err.toString());
    }

    @Test
    void theTopLevelHelpNamesTheThreeCommands() {
        assertEquals(0, run("--help"));
        for (String c : new String[] {"serve", "publish", "record"}) {
            assertTrue(out.toString().contains(c), out.toString());
        }
    }
}
