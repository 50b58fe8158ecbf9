package io.kfrelay.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Wire constants shared by every transport. The byte-by-byte layout is documented in docs/PROTOCOL.md;
 * this class and {@link MediaHeader} are the one place that defines it in code.
 */
public final class Protocol {
    private Protocol() {
    }

    /** The only protocol version this relay speaks. */
    public static final int VERSION = 1;

    /** Offsets common to every message: byte 0 is the version, byte 1 the message type. */
    public static final int VERSION_OFFSET = 0;
    public static final int TYPE_OFFSET = 1;

    /** The version byte of the message at {@code at} in {@code buf}. Reads one byte; checks nothing. */
    public static int version(ByteBuf buf, int at) {
        return buf.getUnsignedByte(at + VERSION_OFFSET);
    }

    /** The type byte of the message at {@code at} in {@code buf} ({@link MessageType#fromCode}). Checks nothing. */
    public static int typeCode(ByteBuf buf, int at) {
        return buf.getUnsignedByte(at + TYPE_OFFSET);
    }

    // Media packet flags (byte 2 of a media header).
    /** The packet belongs to a keyframe. */
    public static final int FLAG_KEYFRAME = 0x01;
    /** The packet is the last packet of its frame. */
    public static final int FLAG_FRAME_END = 0x02;
    /** Set by the relay on packets it replays from the keyframe cache; ignored (cleared) on ingress. */
    public static final int FLAG_REPLAY = 0x04;
    /** The packet is the first packet of its frame. */
    public static final int FLAG_FRAME_START = 0x08;
    /** Every flag bit this version defines; any other bit set is malformed. */
    public static final int KNOWN_FLAGS = FLAG_KEYFRAME | FLAG_FRAME_END | FLAG_REPLAY | FLAG_FRAME_START;

    // Media kinds (byte 3 of a media header).
    public static final int KIND_AUDIO = 1;
    public static final int KIND_VIDEO = 2;

    /** Most layers one simulcast source may have (SIMULCAST). */
    public static final int MAX_LAYERS = 3;

    /** SUBSCRIBE's layer value for "the relay chooses" (a simulcast source's auto layer; any plain stream). */
    public static final int LAYER_AUTO = 0xFF;

    /** Largest stream id (u16). */
    public static final int MAX_STREAM_ID = 0xFFFF;

    /** Longest string field (room, identity, token, reason), in UTF-8 bytes. */
    public static final int MAX_STRING_BYTES = 4096;

    public static String kindName(int kind) {
        return switch (kind) {
            case KIND_AUDIO -> "audio";
            case KIND_VIDEO -> "video";
            default -> "kind(" + kind + ")";
        };
    }
}
