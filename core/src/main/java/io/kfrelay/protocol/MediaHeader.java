package io.kfrelay.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight over the 20-byte media packet header (docs/PROTOCOL.md). It reads and stamps fields in place:
 * wrapping allocates nothing and never copies the payload. One instance per thread, reused for every packet.
 *
 * <pre>
 *  0       1       2       3       4               8       10      12              16              20
 *  +-------+-------+-------+-------+---------------+-------+-------+---------------+---------------+----
 *  |version| type  | flags | kind  |   sender id   |stream |reservd|   sequence    |   timestamp   | payload
 *  +-------+-------+-------+-------+---------------+-------+-------+---------------+---------------+----
 * </pre>
 * All multi-byte fields are big-endian (network order). The payload length is the frame length minus 20.
 */
public final class MediaHeader {
    public static final int FLAGS_OFFSET = 2;
    public static final int KIND_OFFSET = 3;
    public static final int SENDER_OFFSET = 4;
    public static final int STREAM_OFFSET = 8;
    public static final int RESERVED_OFFSET = 10;
    public static final int SEQUENCE_OFFSET = 12;
    public static final int TIMESTAMP_OFFSET = 16;
    /** Header length; the payload starts here. */
    public static final int LENGTH = 20;

    private ByteBuf buf;
    private int offset;
    private int length;

    /**
     * Points this flyweight at the packet occupying the readable bytes of {@code buffer} and validates it.
     * On anything but {@link DecodeStatus#OK} the flyweight must not be read.
     */
    public DecodeStatus wrap(ByteBuf buffer) {
        return wrap(buffer, buffer.readerIndex(), buffer.readableBytes());
    }

    public DecodeStatus wrap(ByteBuf buffer, int index, int frameLength) {
        this.buf = buffer;
        this.offset = index;
        this.length = frameLength;
        if (frameLength < LENGTH) {
            return frameLength < 2 ? DecodeStatus.TOO_SHORT
                    : buffer.getUnsignedByte(index) != Protocol.VERSION ? DecodeStatus.BAD_VERSION
                    : buffer.getUnsignedByte(index + Protocol.TYPE_OFFSET) != MessageType.MEDIA.code()
                    ? DecodeStatus.UNKNOWN_TYPE : DecodeStatus.TOO_SHORT;
        }
        if (buffer.getUnsignedByte(index) != Protocol.VERSION) {
            return DecodeStatus.BAD_VERSION;
        }
        if (buffer.getUnsignedByte(index + Protocol.TYPE_OFFSET) != MessageType.MEDIA.code()) {
            return DecodeStatus.UNKNOWN_TYPE;
        }
        if ((buffer.getUnsignedByte(index + FLAGS_OFFSET) & ~Protocol.KNOWN_FLAGS) != 0) {
            return DecodeStatus.BAD_FLAGS;
        }
        int kind = buffer.getUnsignedByte(index + KIND_OFFSET);
        if (kind != Protocol.KIND_AUDIO && kind != Protocol.KIND_VIDEO) {
            return DecodeStatus.BAD_KIND;
        }
        if (buffer.getUnsignedShort(index + RESERVED_OFFSET) != 0) {
            return DecodeStatus.BAD_RESERVED;
        }
        return DecodeStatus.OK;
    }

    /** What {@link #wrap} found wrong, in words for an ERROR reason. */
    public static String problem(DecodeStatus status) {
        return switch (status) {
            case OK -> "no problem";
            case TOO_SHORT -> "shorter than the " + LENGTH + "-byte media header";
            case BAD_VERSION -> "version is not " + Protocol.VERSION;
            case UNKNOWN_TYPE -> "message type is not MEDIA";
            case BAD_FLAGS -> "a flag bit outside 0x" + Integer.toHexString(Protocol.KNOWN_FLAGS).toUpperCase() + " is set";
            case BAD_KIND -> "kind is neither " + Protocol.KIND_AUDIO + " (audio) nor " + Protocol.KIND_VIDEO + " (video)";
            case BAD_RESERVED -> "the reserved field (bytes 10-11) is not 0";
            case BAD_LENGTH, BAD_STRING, TOO_LARGE -> status.name();
        };
    }

    public ByteBuf buffer() {
        return buf;
    }

    public int offset() {
        return offset;
    }

    /** Header plus payload, in bytes. */
    public int frameLength() {
        return length;
    }

    public int payloadLength() {
        return length - LENGTH;
    }

    public int payloadOffset() {
        return offset + LENGTH;
    }

    public int flags() {
        return buf.getUnsignedByte(offset + FLAGS_OFFSET);
    }

    public boolean isKeyframe() {
        return (flags() & Protocol.FLAG_KEYFRAME) != 0;
    }

    public boolean isFrameStart() {
        return (flags() & Protocol.FLAG_FRAME_START) != 0;
    }

    public boolean isFrameEnd() {
        return (flags() & Protocol.FLAG_FRAME_END) != 0;
    }

    public boolean isReplay() {
        return (flags() & Protocol.FLAG_REPLAY) != 0;
    }

    public int kind() {
        return buf.getUnsignedByte(offset + KIND_OFFSET);
    }

    public boolean isVideo() {
        return kind() == Protocol.KIND_VIDEO;
    }

    public long senderId() {
        return buf.getUnsignedInt(offset + SENDER_OFFSET);
    }

    public int streamId() {
        return buf.getUnsignedShort(offset + STREAM_OFFSET);
    }

    /** Per-stream sequence number, u32; compare with {@link #seqDelta}. */
    public long sequence() {
        return buf.getUnsignedInt(offset + SEQUENCE_OFFSET);
    }

    public long timestamp() {
        return buf.getUnsignedInt(offset + TIMESTAMP_OFFSET);
    }

    /**
     * Relay-side stamp applied in place on ingress: the authenticated sender id replaces whatever the client
     * wrote (nobody can impersonate) and the REPLAY bit is cleared (only the relay may set it).
     */
    public void stampIngress(int senderId) {
        buf.setInt(offset + SENDER_OFFSET, senderId);
        buf.setByte(offset + FLAGS_OFFSET, flags() & ~Protocol.FLAG_REPLAY);
    }

    /** Marks the packet as replayed from the cache. */
    public void stampReplay() {
        buf.setByte(offset + FLAGS_OFFSET, flags() | Protocol.FLAG_REPLAY);
    }

    /** Signed distance from {@code from} to {@code to} on the u32 sequence circle (wrap-safe). */
    public static int seqDelta(long from, long to) {
        return (int) (to - from);
    }

    /**
     * Writes a media header at the writer index of {@code out} (used by clients and tests; the relay itself
     * never re-encodes a header, it stamps in place).
     */
    public static void write(ByteBuf out, int flags, int kind, int senderId, int streamId, long sequence,
                             long timestamp) {
        out.writeByte(Protocol.VERSION);
        out.writeByte(MessageType.MEDIA.code());
        out.writeByte(flags);
        out.writeByte(kind);
        out.writeInt(senderId);
        out.writeShort(streamId);
        out.writeShort(0);
        out.writeInt((int) sequence);
        out.writeInt((int) timestamp);
    }
}
