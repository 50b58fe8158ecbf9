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
 *
 * <p>Each field has one reader: a static accessor that reads it from the header at a given index of any buffer
 * (for code that holds a packet the relay validated already, such as an egress queue deciding what to admit),
 * which the instance getters use too. The static accessors check nothing; {@link #wrap} validates.
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
                    : Protocol.version(buffer, index) != Protocol.VERSION ? DecodeStatus.BAD_VERSION
                    : Protocol.typeCode(buffer, index) != MessageType.MEDIA.code()
                    ? DecodeStatus.UNKNOWN_TYPE : DecodeStatus.TOO_SHORT;
        }
        if (Protocol.version(buffer, index) != Protocol.VERSION) {
            return DecodeStatus.BAD_VERSION;
        }
        if (Protocol.typeCode(buffer, index) != MessageType.MEDIA.code()) {
            return DecodeStatus.UNKNOWN_TYPE;
        }
        if ((flags(buffer, index) & ~Protocol.KNOWN_FLAGS) != 0) {
            return DecodeStatus.BAD_FLAGS;
        }
        int kind = kind(buffer, index);
        if (kind != Protocol.KIND_AUDIO && kind != Protocol.KIND_VIDEO) {
            return DecodeStatus.BAD_KIND;
        }
        if (reserved(buffer, index) != 0) {
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
        return flags(buf, offset);
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
        return kind(buf, offset);
    }

    public boolean isVideo() {
        return kind() == Protocol.KIND_VIDEO;
    }

    public long senderId() {
        return senderId(buf, offset);
    }

    public int streamId() {
        return streamId(buf, offset);
    }

    /** Per-stream sequence number, u32; compare with {@link #seqDelta}. */
    public long sequence() {
        return sequence(buf, offset);
    }

    public long timestamp() {
        return timestamp(buf, offset);
    }

    // ------------------------------------------------------------------ the one reader of each field

    /** The flags byte of the header at {@code at} in {@code buf} ({@link Protocol#FLAG_KEYFRAME} and the others). */
    public static int flags(ByteBuf buf, int at) {
        return buf.getUnsignedByte(at + FLAGS_OFFSET);
    }

    /** The kind of the header at {@code at}: {@link Protocol#KIND_AUDIO} or {@link Protocol#KIND_VIDEO} once valid. */
    public static int kind(ByteBuf buf, int at) {
        return buf.getUnsignedByte(at + KIND_OFFSET);
    }

    /** The sender id (u32) of the header at {@code at}. */
    public static long senderId(ByteBuf buf, int at) {
        return buf.getUnsignedInt(at + SENDER_OFFSET);
    }

    /** The stream id (u16) of the header at {@code at}. */
    public static int streamId(ByteBuf buf, int at) {
        return buf.getUnsignedShort(at + STREAM_OFFSET);
    }

    /** The reserved field (u16, 0 in every valid header) of the header at {@code at}. */
    public static int reserved(ByteBuf buf, int at) {
        return buf.getUnsignedShort(at + RESERVED_OFFSET);
    }

    /** The per-stream sequence number (u32) of the header at {@code at}. */
    public static long sequence(ByteBuf buf, int at) {
        return buf.getUnsignedInt(at + SEQUENCE_OFFSET);
    }

    /** The media timestamp (u32) of the header at {@code at}. */
    public static long timestamp(ByteBuf buf, int at) {
        return buf.getUnsignedInt(at + TIMESTAMP_OFFSET);
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
