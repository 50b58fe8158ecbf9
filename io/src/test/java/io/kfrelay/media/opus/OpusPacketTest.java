package io.kfrelay.media.opus;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Durations from the TOC byte (RFC 6716 §3.1) and the well-formedness rules (§3.4). */
class OpusPacketTest {

    private static int toc(int config, boolean stereo, int code) {
        return config << 3 | (stereo ? 4 : 0) | code;
    }

    @Test
    void eachConfigHasItsFrameDuration() {
        int[] ms10 = new int[32]; // frame durations in tenths of a millisecond, RFC 6716 Table 2
        int[] silk = {100, 200, 400, 600};
        for (int c = 0; c < 12; c++) {
            ms10[c] = silk[c % 4];
        }
        for (int c = 12; c < 16; c++) {
            ms10[c] = c % 2 == 0 ? 100 : 200;
        }
        int[] celt = {25, 50, 100, 200};
        for (int c = 16; c < 32; c++) {
            ms10[c] = celt[c % 4];
        }
        for (int c = 0; c < 32; c++) {
            assertEquals(ms10[c] * 48 / 10, OpusPacket.frameSamples(toc(c, false, 0)), "config " + c);
            assertEquals(ms10[c] * 48 / 10, OpusPacket.frameSamples(toc(c, true, 3)), "config " + c + ", s and c set");
        }
        assertTrue(OpusPacket.stereo(toc(31, true, 0)));
        assertFalse(OpusPacket.stereo(toc(31, false, 3)));
    }

    @Test
    void frameCountCodesMultiplyTheFrameDuration() {
        int celt20 = toc(31, true, 0); // CELT FB 20 ms: 960
        assertEquals(960, OpusPacket.samples(new byte[] {(byte) celt20, 1, 2, 3}));
        assertEquals(960, OpusPacket.samples(new byte[] {(byte) celt20}), "one frame of 0 bytes: DTX/PLC");
        assertEquals(1920, OpusPacket.samples(new byte[] {(byte) (celt20 | 1), 1, 2, 3, 4}), "code 1: 2 equal frames");
        assertEquals(1920, OpusPacket.samples(new byte[] {(byte) (celt20 | 2), 1, 9, 8, 7}), "code 2: 1 + 2 bytes");
        assertEquals(3 * 960, OpusPacket.samples(new byte[] {(byte) (celt20 | 3), 3, 1, 2, 3}), "code 3 CBR, 3 x 1");
        assertEquals(6 * 960, OpusPacket.samples(new byte[] {(byte) (celt20 | 3), 6}), "120 ms: the most");
        assertEquals(48 * 120, OpusPacket.samples(new byte[] {(byte) (toc(16, false, 3)), 48}), "48 x 2.5 ms");
        assertEquals(2 * 2880, OpusPacket.samples(new byte[] {(byte) toc(3, false, 1)}), "SILK 2 x 60 ms, empty");
        // code 3 VBR with padding: count 2, v and p set; padding 255 (=254 more) + 1 = 255 bytes; frame 1 is 2 bytes
        byte[] vbr = new byte[2 + 2 + 1 + 2 + 3 + 255];
        vbr[0] = (byte) (celt20 | 3);
        vbr[1] = (byte) (0x80 | 0x40 | 2);
        vbr[2] = (byte) 255;
        vbr[3] = 1;
        vbr[4] = 2;
        assertEquals(1920, OpusPacket.samples(vbr));
        assertEquals(1920, OpusPacket.samples(vbr, 0, vbr.length));
    }

    @Test
    void malformedPacketsHaveNoDuration() {
        int celt20 = toc(31, false, 0);
        assertEquals(-1, OpusPacket.samples(new byte[0]), "R1: empty");
        assertEquals(-1, OpusPacket.samples(new byte[] {(byte) (celt20 | 3)}), "code 3 without its count byte");
        assertEquals(-1, OpusPacket.samples(new byte[] {(byte) (celt20 | 3), 0}), "R5: a count of 0");
        assertEquals(-1, OpusPacket.samples(new byte[] {(byte) (celt20 | 3), 7}), "R5: 140 ms");
        assertEquals(-1, OpusPacket.samples(new byte[] {(byte) (toc(3, false, 3)), 3}), "R5: 3 x 60 ms");
        assertEquals(-1, OpusPacket.samples(new byte[] {(byte) (celt20 | 1), 1, 2, 3}), "R3: odd length");
        assertEquals(-1, OpusPacket.samples(new byte[] {(byte) (celt20 | 2)}), "R4: no length byte");
        assertEquals(-1, OpusPacket.samples(new byte[] {(byte) (celt20 | 2), 5, 1}), "R4: length past the end");
        assertEquals(-1, OpusPacket.samples(new byte[] {(byte) (celt20 | 2), (byte) 252}), "R4: half a length");
        assertEquals(-1, OpusPacket.samples(new byte[] {(byte) (celt20 | 3), 2, 1, 2, 3}), "R6: 3 bytes in 2");
        assertEquals(-1, OpusPacket.samples(new byte[] {(byte) (celt20 | 3), 0x42, 9, 0, 0}), "padding too long");
        assertEquals(-1, OpusPacket.samples(new byte[] {(byte) (celt20 | 3), (byte) 0x83, 1, 9}), "R7: lengths too long");
        assertEquals(-1, OpusPacket.samples(new byte[1 + 1276]), "R2: a frame over 1275 bytes");
    }

    @Test
    void aLossPacketIsCode3OfEmptyFramesLikeThePreviousPacket() {
        int silkWb20 = toc(9, true, 0);
        byte[] loss = OpusPacket.lossPacket(silkWb20, 6);
        assertArrayEquals(new byte[] {(byte) (silkWb20 | 3), 6}, loss);
        assertEquals(6 * 960, OpusPacket.samples(loss));
        assertThrows(IllegalArgumentException.class, () -> OpusPacket.lossPacket(silkWb20, 7), "over 120 ms");
        assertThrows(IllegalArgumentException.class, () -> OpusPacket.lossPacket(silkWb20, 0));
    }
}
