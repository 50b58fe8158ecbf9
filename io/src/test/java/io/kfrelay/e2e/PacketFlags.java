package io.kfrelay.e2e;

import io.kfrelay.protocol.Protocol;

/** The flag bits of a media packet a test wrote down, by name. */
interface PacketFlags {
    int flags();

    default boolean replay() {
        return (flags() & Protocol.FLAG_REPLAY) != 0;
    }

    default boolean keyframe() {
        return (flags() & Protocol.FLAG_KEYFRAME) != 0;
    }

    default boolean frameStart() {
        return (flags() & Protocol.FLAG_FRAME_START) != 0;
    }

    default boolean frameEnd() {
        return (flags() & Protocol.FLAG_FRAME_END) != 0;
    }
}
