package io.kfrelay.media.h264;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessUnitsTest {
    private final byte[] sample = SampleStream.bytes();

    @Test
    void theSampleIs120FramesIn4GopsOf30() {
        List<AccessUnit> aus = AccessUnits.of(sample);
        assertEquals(120, aus.size());
        for (int i = 0; i < aus.size(); i++) {
            assertEquals(i % 30 == 0, aus.get(i).keyframe(), "frame " + i + " keyframe");
        }
    }

    @Test
    void aKeyframeCarriesTheSpsAndPpsThatPrecedeItsIdr() {
        AccessUnit first = AccessUnits.of(sample).getFirst();
        List<Integer> types = first.nals().stream().map(NalUnit::type).toList();
        assertEquals(List.of(NalUnit.SPS, NalUnit.PPS, NalUnit.SEI, NalUnit.IDR), types);
        assertTrue(first.hasParameterSets());
    }

    @Test
    void accessUnitsPutBackToBackAreTheOriginalStream() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (AccessUnit au : AccessUnits.of(sample)) {
            out.write(au.buf(), au.offset(), au.length());
        }
        assertArrayEquals(sample, out.toByteArray());
    }

    @Test
    void threeAndFourByteStartCodesAndTrailingZerosAreSplitCorrectly() {
        byte[] stream = {0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 0, 1, 0x65, (byte) 0x88, 4, 0};
        List<NalUnit> nals = AnnexB.split(stream);
        assertEquals(3, nals.size());
        assertEquals(NalUnit.SPS, nals.get(0).type());
        assertEquals(0, nals.get(0).startCode());
        assertEquals(3, nals.get(0).length());
        assertEquals(7, nals.get(1).startCode());
        assertEquals(2, nals.get(1).length(), "trailing zeros belong to the next start code");
        assertEquals(13, nals.get(2).startCode(), "the zero before 00 00 01 makes a 4-byte start code");
        assertEquals(NalUnit.IDR, nals.get(2).type());
        assertTrue(nals.get(2).startsPicture());
    }

    @Test
    void aSliceWithFirstMbZeroStartsANewAccessUnitAndALaterSliceDoesNot() {
        byte[] stream = {
                0, 0, 1, 0x65, (byte) 0x88, 1,   // IDR, first_mb 0
                0, 0, 1, 0x65, 0x40, 2,          // IDR, first_mb 1: same picture
                0, 0, 1, 0x41, (byte) 0x9A, 3,   // P, first_mb 0: new picture
                0, 0, 1, 0x06, 5, 4,             // SEI after a slice: new access unit
                0, 0, 1, 0x41, (byte) 0x9A, 5};
        List<AccessUnit> aus = AccessUnits.of(stream);
        assertEquals(List.of(2, 1, 2), aus.stream().map(a -> a.nals().size()).toList());
        assertTrue(aus.get(0).keyframe());
        assertFalse(aus.get(1).keyframe());
    }

    @Test
    void somethingThatIsNotAnnexBIsRefusedClearly() {
        byte[] mp4ish = Arrays.copyOf(new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p'}, 64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AnnexB.split(mp4ish));
        assertTrue(e.getMessage().contains("not an H.264 Annex-B stream"), e.getMessage());
    }
}
