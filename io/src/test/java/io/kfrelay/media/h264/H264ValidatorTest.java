package io.kfrelay.media.h264;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class H264ValidatorTest {
    private final List<AccessUnit> frames = AccessUnits.of(SampleStream.bytes());

    private byte[] concat(List<AccessUnit> aus) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        aus.forEach(au -> out.write(au.buf(), au.offset(), au.length()));
        return out.toByteArray();
    }

    @Test
    void theWholeSampleIsValid() {
        H264Validator.Report r = H264Validator.validate(SampleStream.bytes());
        assertTrue(r.valid(), r.toString());
        assertEquals(120, r.pictures());
        assertEquals(4, r.idrPictures());
    }

    @Test
    void aStreamThatStartsAtALaterKeyframeIsValid() {
        assertTrue(H264Validator.validate(concat(frames.subList(60, 120))).valid());
    }

    @Test
    void aStreamThatStartsWithADeltaFrameIsNot() {
        H264Validator.Report r = H264Validator.validate(concat(frames.subList(5, 120)));
        assertFalse(r.valid());
        assertTrue(r.problems().getFirst().contains("starts with non-IDR slice"), r.toString());
    }

    @Test
    void aMissingDeltaFrameIsAFrameNumGap() {
        List<AccessUnit> withHole = new ArrayList<>(frames.subList(0, 30));
        withHole.remove(10);
        H264Validator.Report r = H264Validator.validate(concat(withHole));
        assertEquals(1, r.problemCount(), r.toString());
        assertTrue(r.problems().getFirst().contains("frame_num jumps"), r.toString());
    }

    @Test
    void anIdrWithoutParameterSetsBeforeItIsInvalid() {
        AccessUnit key = frames.get(30);
        NalUnit idr = key.nals().getLast();
        byte[] idrOnly = new byte[idr.length() + 4];
        idrOnly[3] = 1;
        System.arraycopy(idr.buf(), idr.offset(), idrOnly, 4, idr.length());
        H264Validator.Report r = H264Validator.validate(idrOnly);
        assertFalse(r.valid());
        assertTrue(r.problems().getFirst().contains("refers to PPS"), r.toString());
    }

    @Test
    void bytesThatAreNotAnnexBAreReported() {
        H264Validator.Report r = H264Validator.validate(new byte[] {1, 2, 3, 4});
        assertFalse(r.valid());
    }
}
