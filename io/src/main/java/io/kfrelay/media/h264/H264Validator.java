package io.kfrelay.media.h264;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that a recorded H.264 Annex-B stream decodes from its first byte: it starts with an SPS, PPS or IDR,
 * every slice comes after the SPS, PPS (and, for a non-IDR slice, the IDR) it depends on, and frame_num
 * advances without a gap, so no frame references a frame that is not in the stream.
 */
public final class H264Validator {
    private static final int MAX_PROBLEMS = 20;

    private final List<String> problems = new ArrayList<>();
    private final Map<Integer, Sps> spsById = new HashMap<>();
    private final Map<Integer, Integer> ppsToSps = new HashMap<>();
    private boolean seenIdr;
    private int prevRefFrameNum = -1;
    private int pictures;
    private int idrPictures;
    private int problemCount;

    /**
     * @param nalUnits    units in the stream
     * @param pictures    coded pictures (slices with first_mb_in_slice == 0)
     * @param idrPictures of which IDR pictures
     * @param problems    the first problems found (at most 20), each naming the unit index
     */
    public record Report(int nalUnits, int pictures, int idrPictures, int problemCount, List<String> problems) {
        public boolean valid() {
            return problemCount == 0;
        }

        @Override
        public String toString() {
            return nalUnits + " NAL units, " + pictures + " pictures (" + idrPictures + " IDR)"
                    + (valid() ? ", valid" : ", " + problemCount + " problems: " + String.join("; ", problems));
        }
    }

    private record Sps(int log2MaxFrameNum, boolean gapsAllowed, boolean frameMbsOnly) {
    }

    private H264Validator() {
    }

    public static Report validate(byte[] annexB) {
        List<NalUnit> nals;
        try {
            nals = AnnexB.split(annexB);
        } catch (IllegalArgumentException e) {
            return new Report(0, 0, 0, 1, List.of(e.getMessage()));
        }
        H264Validator v = new H264Validator();
        for (int i = 0; i < nals.size(); i++) {
            v.check(i, nals.get(i));
        }
        return new Report(nals.size(), v.pictures, v.idrPictures, v.problemCount, List.copyOf(v.problems));
    }

    private void check(int index, NalUnit nal) {
        int type = nal.type();
        if (index == 0 && type != NalUnit.SPS && type != NalUnit.PPS && type != NalUnit.IDR) {
            problem(index, "stream starts with " + NalUnit.typeName(type) + ", not an SPS, PPS or IDR");
        }
        if (nal.forbiddenBitSet()) {
            problem(index, "forbidden_zero_bit is set");
            return;
        }
        try {
            switch (type) {
                case NalUnit.SPS -> readSps(nal);
                case NalUnit.PPS -> readPps(index, nal);
                case NalUnit.SLICE, NalUnit.PARTITION_A, NalUnit.IDR -> checkSlice(index, nal);
                default -> {
                    // SEI, AUD, end of sequence...: nothing depends on them
                }
            }
        } catch (RbspReader.TruncatedException e) {
            problem(index, NalUnit.typeName(type) + " is truncated");
        }
    }

    private void readSps(NalUnit nal) throws RbspReader.TruncatedException {
        RbspReader r = new RbspReader(nal);
        int profile = r.bits(8);
        r.bits(16); // constraint flags, level
        int id = r.ue();
        if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 || profile == 83
                || profile == 86 || profile == 118 || profile == 128 || profile == 138 || profile == 139
                || profile == 134 || profile == 135) {
            int chroma = r.ue();
            if (chroma == 3) {
                r.bit(); // separate_colour_plane_flag
            }
            r.ue(); // bit depth luma
            r.ue(); // bit depth chroma
            r.bit(); // qpprime_y_zero_transform_bypass_flag
            if (r.bit() == 1) { // seq_scaling_matrix_present_flag
                for (int i = 0; i < (chroma != 3 ? 8 : 12); i++) {
                    if (r.bit() == 1) {
                        skipScalingList(r, i < 6 ? 16 : 64);
                    }
                }
            }
        }
        int log2MaxFrameNum = r.ue() + 4;
        int pocType = r.ue();
        if (pocType == 0) {
            r.ue();
        } else if (pocType == 1) {
            r.bit();
            r.se();
            r.se();
            int cycle = r.ue();
            for (int i = 0; i < cycle; i++) {
                r.se();
            }
        }
        r.ue(); // max_num_ref_frames
        boolean gaps = r.bit() == 1;
        r.ue(); // width in mbs
        r.ue(); // height in map units
        boolean frameMbsOnly = r.bit() == 1;
        spsById.put(id, new Sps(log2MaxFrameNum, gaps, frameMbsOnly));
    }

    private static void skipScalingList(RbspReader r, int size) throws RbspReader.TruncatedException {
        int last = 8;
        int next = 8;
        for (int j = 0; j < size; j++) {
            if (next != 0) {
                next = (last + r.se() + 256) % 256;
            }
            last = next == 0 ? last : next;
        }
    }

    private void readPps(int index, NalUnit nal) throws RbspReader.TruncatedException {
        RbspReader r = new RbspReader(nal);
        int ppsId = r.ue();
        int spsId = r.ue();
        if (!spsById.containsKey(spsId)) {
            problem(index, "PPS " + ppsId + " refers to SPS " + spsId + ", which is not in the stream before it");
        }
        ppsToSps.put(ppsId, spsId);
    }

    private void checkSlice(int index, NalUnit nal) throws RbspReader.TruncatedException {
        RbspReader r = new RbspReader(nal);
        int firstMb = r.ue();
        r.ue(); // slice_type
        int ppsId = r.ue();
        Integer spsId = ppsToSps.get(ppsId);
        Sps sps = spsId == null ? null : spsById.get(spsId);
        if (sps == null) {
            problem(index, NalUnit.typeName(nal.type()) + " refers to PPS " + ppsId
                    + ", which (or whose SPS) is not in the stream before it");
            return;
        }
        boolean idr = nal.type() == NalUnit.IDR;
        if (!idr && !seenIdr) {
            problem(index, "non-IDR slice before any IDR: it references a frame that is not in the stream");
            return;
        }
        int frameNum = r.bits(sps.log2MaxFrameNum());
        if (firstMb != 0) {
            return; // a later slice of a picture already checked
        }
        pictures++;
        if (idr) {
            seenIdr = true;
            idrPictures++;
            if (frameNum != 0) {
                problem(index, "IDR picture with frame_num " + frameNum + " (must be 0)");
            }
            prevRefFrameNum = 0;
            return;
        }
        int expected = (prevRefFrameNum + 1) % (1 << sps.log2MaxFrameNum());
        boolean secondField = !sps.frameMbsOnly() && frameNum == prevRefFrameNum;
        if (!sps.gapsAllowed() && frameNum != expected && !secondField) {
            problem(index, "frame_num jumps from " + prevRefFrameNum + " to " + frameNum
                    + ": a reference frame in between is missing");
        }
        if (nal.refIdc() != 0) {
            prevRefFrameNum = frameNum;
        }
    }

    private void problem(int index, String what) {
        problemCount++;
        if (problems.size() < MAX_PROBLEMS) {
            problems.add("NAL unit " + index + ": " + what);
        }
    }
}
