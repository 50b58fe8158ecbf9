package io.kfrelay.media.h264;

/**
 * One NAL unit inside an Annex-B buffer, as offsets into that buffer (nothing is copied).
 *
 * @param buf         the whole Annex-B buffer
 * @param startCode   index of the first byte of this unit's start code (00 00 01 or 00 00 00 01)
 * @param offset      index of the NAL header byte (just after the start code)
 * @param end         index one past the last byte of the unit (trailing zero bytes excluded)
 */
public record NalUnit(byte[] buf, int startCode, int offset, int end) {

    public static final int SLICE = 1;
    public static final int PARTITION_A = 2;
    public static final int IDR = 5;
    public static final int SEI = 6;
    public static final int SPS = 7;
    public static final int PPS = 8;
    public static final int AUD = 9;

    /** nal_unit_type, the low 5 bits of the header byte. */
    public int type() {
        return buf[offset] & 0x1F;
    }

    /** nal_ref_idc: 0 means no other picture references this one. */
    public int refIdc() {
        return (buf[offset] >> 5) & 0x03;
    }

    public boolean forbiddenBitSet() {
        return (buf[offset] & 0x80) != 0;
    }

    /** Bytes of the unit, header included, start code excluded. */
    public int length() {
        return end - offset;
    }

    /** A coded slice of a picture (non-IDR, data partition A, or IDR). */
    public boolean isSlice() {
        int t = type();
        return t == SLICE || t == PARTITION_A || t == IDR;
    }

    /**
     * first_mb_in_slice == 0, i.e. this slice starts a new picture. It is the ue(v) right after the header and
     * ue(v) encodes 0 as a single 1 bit, so the top bit of the next byte says it all.
     */
    public boolean startsPicture() {
        return isSlice() && length() > 1 && (buf[offset + 1] & 0x80) != 0;
    }

    public static String typeName(int type) {
        return switch (type) {
            case SLICE -> "non-IDR slice";
            case PARTITION_A -> "slice data partition A";
            case IDR -> "IDR slice";
            case SEI -> "SEI";
            case SPS -> "SPS";
            case PPS -> "PPS";
            case AUD -> "access unit delimiter";
            default -> "NAL type " + type;
        };
    }
}
