package io.kfrelay.media.opus;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Ogg Opus file the writer makes, read back page by page (ffmpeg's view of it: OggOpusIT). */
class OggOpusWriterTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @Test
    void packetsOfARealEncoderRoundTripWithHeadersGranulesAndFlags() throws IOException {
        List<byte[]> packets = OggReader.read(OggCrcTest.sineOpus()).audioPackets();
        assertEquals(51, packets.size());
        try (OggOpusWriter w = new OggOpusWriter(out, 0x1234)) {
            for (byte[] p : packets) {
                assertTrue(w.write(p));
            }
            assertEquals(51 * 960, w.granule());
            assertEquals(1020, w.durationMillis());
        }
        OggReader.Stream s = OggReader.read(out.toByteArray());

        List<byte[]> back = s.audioPackets();
        assertEquals(packets.size(), back.size());
        for (int i = 0; i < packets.size(); i++) {
            assertArrayEquals(packets.get(i), back.get(i), "packet " + i);
        }
        byte[] head = s.packets().get(0);
        assertEquals("OpusHead", new String(head, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(19, head.length);
        assertEquals(1, head[8], "version");
        assertEquals(2, head[9], "channels");
        assertEquals(0, OggReader.le(head, 10, 2), "pre-skip");
        assertEquals(48_000, OggReader.le(head, 12, 4), "input sample rate");
        assertEquals(0, OggReader.le(head, 16, 2), "output gain");
        assertEquals(0, head[18], "mapping family");
        byte[] tags = s.packets().get(1);
        assertEquals("OpusTags", new String(tags, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(7, OggReader.le(tags, 8, 4));
        assertEquals("kfrelay", new String(tags, 12, 7, StandardCharsets.UTF_8));
        assertEquals(0, OggReader.le(tags, 19, 4), "no user comments");
        assertEquals(23, tags.length);

        List<OggReader.Page> pages = s.pages();
        assertEquals(List.of(1), pages.get(0).packetsEnded().stream().map(p -> 1).toList(), "OpusHead alone");
        assertEquals(1, pages.get(1).packetsEnded().size(), "OpusTags ends its page");
        assertEquals(0, pages.get(0).granule());
        assertEquals(0, pages.get(1).granule());
        long samples = 0;
        for (int i = 0; i < pages.size(); i++) {
            OggReader.Page page = pages.get(i);
            assertEquals(i, page.sequence());
            assertEquals(0x1234, page.serial());
            assertEquals(i == 0, (page.flags() & OggPageWriter.BOS) != 0, "BOS on the first page only");
            assertEquals(i == pages.size() - 1, (page.flags() & OggPageWriter.EOS) != 0, "EOS on the last only");
            if (i >= 2) {
                for (byte[] p : page.packetsEnded()) {
                    samples += OpusPacket.samples(p);
                }
                assertEquals(samples, page.granule(), "page " + i + ": samples of every packet so far");
            }
        }
        assertEquals(4, pages.size(), "a page of the first second (50 packets), one of the last packet");
        assertEquals(50, pages.get(2).packetsEnded().size());
    }

    @Test
    void longPacketsAreLacedAndGoOnOverTheNextPage() throws IOException {
        // CELT 2.5 ms: 400 a second, so pages end on the 255 lacing values long before a second of audio.
        int celt = 16 << 3;
        List<byte[]> sent = new ArrayList<>();
        for (int length : new int[] {255, 256, 510, 1275, 300, 1, 254}) {
            byte[] p = new byte[length];
            p[0] = (byte) celt;
            Arrays.fill(p, 1, length, (byte) length);
            sent.add(p);
        }
        // One packet longer than a whole page: code 3, one empty frame, 70 000 bytes of padding (254 x 275 + 150).
        byte[] huge = new byte[2 + 276 + 70_000];
        huge[0] = (byte) (celt | 3);
        huge[1] = 0x41;
        Arrays.fill(huge, 2, 2 + 275, (byte) 255);
        huge[2 + 275] = (byte) 150;
        assertEquals(120, OpusPacket.samples(huge));
        for (int i = 0; i < 60; i++) {
            sent.addAll(sent.subList(0, 7));
            if (sent.size() > 200) {
                break;
            }
        }
        sent.add(huge);
        sent.add(new byte[] {(byte) celt, 42});
        try (OggOpusWriter w = new OggOpusWriter(out, 1)) {
            for (byte[] p : sent) {
                assertTrue(w.write(p));
            }
        }
        OggReader.Stream s = OggReader.read(out.toByteArray()); // checks checksums and continued flags
        assertEquals(sent.size(), s.audioPackets().size());
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), s.audioPackets().get(i), "packet " + i);
        }
        List<OggReader.Page> pages = s.pages();
        assertTrue(pages.stream().allMatch(p -> p.segments() <= 255));
        assertTrue(pages.stream().anyMatch(p -> (p.flags() & OggPageWriter.CONTINUED) != 0), "a packet goes on");
        assertTrue(pages.stream().anyMatch(p -> p.packetsEnded().isEmpty() && p.granule() == -1),
                "a page on which no packet ends has granule position -1");
        assertEquals(sent.size() * 120L, pages.getLast().granule());
        byte[] lacing255 = Arrays.copyOfRange(out.toByteArray(), pages.get(2).offset() + 27, pages.get(2).offset() + 30);
        assertArrayEquals(new byte[] {(byte) 255, 0, (byte) 255}, lacing255, "255 bytes: 255 then 0; 256: 255, 1");
    }

    @Test
    void invalidPacketsAreCountedAndLeftOut() throws IOException {
        int celt20 = 31 << 3;
        try (OggOpusWriter w = new OggOpusWriter(out, 1)) {
            assertFalse(w.write(new byte[0]));
            assertFalse(w.write(new byte[] {(byte) (celt20 | 3)}));
            assertFalse(w.write(new byte[] {(byte) (celt20 | 3), 7}));
            assertTrue(w.write(new byte[] {(byte) celt20, 5, 5}));
            assertFalse(w.write(new byte[] {99, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0, 5), "code 3: 3 bytes in 2 frames");
            assertEquals(4, w.invalidPackets());
            assertEquals(1, w.packets());
            assertEquals(960, w.granule());
        }
        assertEquals(1, OggReader.read(out.toByteArray()).audioPackets().size());
    }

    @Test
    void concealmentFillsWholeFramesShapedLikeTheLastPacket() throws IOException {
        int silkWb20Stereo = 9 << 3 | 4;
        try (OggOpusWriter w = new OggOpusWriter(out, 1)) {
            assertEquals(0, w.conceal(960), "nothing before the first packet");
            w.write(new byte[] {(byte) silkWb20Stereo, 1, 2});
            assertEquals(7 * 960, w.conceal(7 * 960 - 479), "the nearest whole number of 20 ms frames");
            assertEquals(0, w.conceal(479), "less than half a frame: nothing");
            assertEquals(8 * 960, w.granule());
            assertEquals(7 * 960, w.concealedSamples());
            assertEquals(1, w.packets(), "fillers are not counted as packets");
        }
        List<byte[]> packets = OggReader.read(out.toByteArray()).audioPackets();
        assertEquals(3, packets.size());
        assertArrayEquals(new byte[] {(byte) (silkWb20Stereo | 3), 6}, packets.get(1), "120 ms at most per packet");
        assertArrayEquals(new byte[] {(byte) (silkWb20Stereo | 3), 1}, packets.get(2));
    }

    @Test
    void aStreamWithoutAudioIsItsHeadersWithTheLastFlaggedEndOfStream() throws IOException {
        new OggOpusWriter(out, 1).close();
        List<OggReader.Page> pages = OggReader.read(out.toByteArray()).pages();
        assertEquals(2, pages.size());
        assertEquals(OggPageWriter.BOS, pages.get(0).flags());
        assertEquals(OggPageWriter.EOS, pages.get(1).flags());
    }
}
