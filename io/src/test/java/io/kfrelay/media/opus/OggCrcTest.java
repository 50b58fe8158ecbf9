package io.kfrelay.media.opus;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The Ogg checksum against known values: a page ffmpeg wrote, and the CRC catalogue's check string. */
class OggCrcTest {

    /** The first page of sample sine.opus (ffmpeg 5.1, libopus): OpusHead, BOS, checksum C4727075 at 22..25. */
    private static final String FFMPEG_FIRST_PAGE = "4f676753000200000000000000000a1125a000000000757072c401134f70"
            + "7573486561640101380180bb0000000000";

    @Test
    void aPageWrittenByFfmpegHasTheChecksumItCarries() {
        byte[] page = HexFormat.of().parseHex(FFMPEG_FIRST_PAGE);
        assertEquals(47, page.length);
        int carried = (int) OggReader.le(page, 22, 4);
        assertEquals(0xC4727075, carried);
        page[22] = page[23] = page[24] = page[25] = 0;
        assertEquals(carried, OggCrc.of(page));
    }

    @Test
    void everyPageOfTheFfmpegFileChecksOut() throws IOException {
        OggReader.Stream s = OggReader.read(sineOpus()); // throws on a checksum that does not match
        assertEquals(51 + 2, s.packets().size(), "OpusHead, OpusTags and 51 packets of 20 ms");
    }

    @Test
    void theCheckStringGivesTheUnreflectedZeroInitValue() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        // CRC-32/CKSUM (POSIX cksum: same polynomial, init 0, no reflection) checks 765E7680 after its final
        // XOR with FFFFFFFF, which Ogg does not do.
        assertEquals(~0x765E7680, OggCrc.of(check));
        CRC32 zip = new CRC32();
        zip.update(check);
        assertNotEquals(zip.getValue(), OggCrc.of(check) & 0xFFFFFFFFL, "java.util.zip.CRC32 is another CRC");
        assertEquals(OggCrc.of(check), OggCrc.update(OggCrc.update(0, check, 0, 4), check, 4, 5), "it continues");
    }

    static byte[] sineOpus() throws IOException {
        try (InputStream in = OggCrcTest.class.getResourceAsStream("/media/sine.opus")) {
            assertNotNull(in, "test resource media/sine.opus");
            return in.readAllBytes();
        }
    }
}
