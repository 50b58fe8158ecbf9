package io.kfrelay.media.h264;

import java.util.List;

/**
 * One coded picture with the parameter sets and SEI in front of it: what the publisher sends as one frame.
 * Its Annex-B bytes are a contiguous range of the source stream, start codes included, so sending it copies
 * nothing and a receiver can write the frames it gets back to back into a playable .h264 file.
 *
 * @param nals     the units, in stream order
 * @param keyframe holds an IDR slice: decodable on its own (with the SPS/PPS it carries or that came before)
 */
public record AccessUnit(List<NalUnit> nals, boolean keyframe) {

    public AccessUnit {
        nals = List.copyOf(nals);
        if (nals.isEmpty()) {
            throw new IllegalArgumentException("an access unit has at least one NAL unit");
        }
    }

    public byte[] buf() {
        return nals.getFirst().buf();
    }

    /** Index of the first byte (the first unit's start code). */
    public int offset() {
        return nals.getFirst().startCode();
    }

    /** Annex-B length in bytes. */
    public int length() {
        return nals.getLast().end() - offset();
    }

    public boolean hasParameterSets() {
        return nals.stream().anyMatch(n -> n.type() == NalUnit.SPS) && nals.stream().anyMatch(n -> n.type() == NalUnit.PPS);
    }
}
