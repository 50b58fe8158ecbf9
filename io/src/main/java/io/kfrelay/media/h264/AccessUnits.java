package io.kfrelay.media.h264;

import java.util.ArrayList;
import java.util.List;

/**
 * Groups NAL units into access units (one per picture). A new unit starts at an access unit delimiter, at
 * an SPS, PPS, SEI or other prefix unit that follows a slice, or at a slice with first_mb_in_slice == 0
 * that follows a slice (H.264 7.4.1.2.3, simplified: enough for single-layer streams such as x264's).
 */
public final class AccessUnits {
    private AccessUnits() {
    }

    public static List<AccessUnit> of(byte[] annexB) {
        return group(AnnexB.split(annexB));
    }

    public static List<AccessUnit> group(List<NalUnit> nals) {
        List<AccessUnit> out = new ArrayList<>();
        List<NalUnit> current = new ArrayList<>();
        boolean hasSlice = false;
        boolean hasIdr = false;
        for (NalUnit nal : nals) {
            int type = nal.type();
            boolean startsNew = type == NalUnit.AUD
                    || (hasSlice && (startsPrefix(type) || nal.startsPicture()));
            if (startsNew && !current.isEmpty()) {
                out.add(new AccessUnit(current, hasIdr));
                current = new ArrayList<>();
                hasSlice = false;
                hasIdr = false;
            }
            current.add(nal);
            hasSlice |= nal.isSlice();
            hasIdr |= type == NalUnit.IDR;
        }
        if (!current.isEmpty()) {
            out.add(new AccessUnit(current, hasIdr));
        }
        return out;
    }

    /** Units that may only come before the first slice of an access unit. */
    private static boolean startsPrefix(int type) {
        return type == NalUnit.SEI || type == NalUnit.SPS || type == NalUnit.PPS || (type >= 14 && type <= 18);
    }
}
