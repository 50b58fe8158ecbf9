package io.kfrelay.e2e;

import io.kfrelay.cli.Recorder;
import io.kfrelay.config.CacheMode;
import io.kfrelay.media.h264.H264Validator;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: what {@code kfrelay record} writes for a late joiner of a gop-mode relay is a valid H.264 stream from its
 * first byte: it starts with an SPS, PPS or IDR and no frame references one that is missing; over WebSocket and QUIC.
 */
@Timeout(60)
class RecordingIT {
    @TempDir
    Path out;

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aLateJoinersRecordingInGopModeIsValidH264FromItsFirstByte(Transport transport) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (TestRelay relay = TestRelay.start(CacheMode.GOP);
             SamplePublisher carol = SamplePublisher.videoAndAudio(relay, "show", "carol", transport)) {
            Thread.sleep(1400); // mid-GOP
            Recorder recorder = Recorder.start(relay.url(transport), "show", "recorder", "", out, relay.options(transport),
                    new PrintWriter(new OutputStreamWriter(log, StandardCharsets.UTF_8), true));
            Thread.sleep(2000);
            Recorder.Summary summary = recorder.stop();
            carol.stop();

            String name = carol.id() + "-" + SamplePublisher.VIDEO;
            Recorder.StreamFile file = summary.files().get(name);
            assertEquals(List.of(name), List.copyOf(summary.files().keySet()), "one file per video stream, none for audio");
            assertEquals(out.resolve(name + ".h264"), file.path());
            assertTrue(file.frames() >= 60, "2 s at 30 fps plus the replayed GOP, got " + file.frames());
            // The sample publisher's audio chunks are 160 zero bytes: by chance a well-formed Opus packet (TOC 0:
            // SILK narrowband, 10 ms, one frame), so they are written; their timestamps step 20 ms, the rest is filled.
            String audio = carol.id() + "-" + SamplePublisher.AUDIO;
            assertEquals(List.of(audio), List.copyOf(summary.audioFiles().keySet()), "one .opus file per audio stream");
            assertEquals(0, summary.audioFiles().get(audio).invalidPackets());

            H264Validator.Report report = H264Validator.validate(Files.readAllBytes(file.path()));
            assertTrue(report.valid(), "recording: " + report);
            assertEquals(file.frames(), report.pictures(), "every written frame is one picture");

            List<RecordedPackets.Packet> lines = RecordedPackets.read(out.resolve("packets.jsonl")).packets();
            assertEquals(summary.packets(), lines.size(), "one line per packet");
            long previousT = 0;
            boolean sawAudio = false;
            Integer firstVideoFlags = null;
            for (RecordedPackets.Packet p : lines) {
                assertTrue(p.micros() >= previousT, "arrival times do not go back");
                previousT = p.micros();
                sawAudio |= !p.video();
                if (firstVideoFlags == null && p.video()) {
                    firstVideoFlags = p.flags();
                }
            }
            assertTrue(sawAudio, "audio packets are logged too");
            assertEquals(Protocol.FLAG_REPLAY | Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START,
                    firstVideoFlags & ~Protocol.FLAG_FRAME_END, "the first video packet starts a replayed keyframe");
        }
    }
}
