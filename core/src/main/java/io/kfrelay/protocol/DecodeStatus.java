package io.kfrelay.protocol;

/**
 * Outcome of decoding one inbound message. Every malformed input maps to exactly one reason, which is
 * what gets counted and what the ERROR sent back names. Decoders return these instead of throwing.
 */
public enum DecodeStatus {
    OK(0),
    /** Fewer bytes than the fixed header (or a field) needs. */
    TOO_SHORT(1),
    /** Byte 0 is not a version this relay speaks. */
    BAD_VERSION(2),
    /** Byte 1 is not a known message type, or a type a client may not send. */
    UNKNOWN_TYPE(3),
    /** A flag bit this version does not define is set (a media flag, or a JOIN option). */
    BAD_FLAGS(4),
    /** The media kind is neither audio nor video. */
    BAD_KIND(5),
    /** A length field disagrees with the bytes present (string runs past the end, trailing bytes, ...). */
    BAD_LENGTH(6),
    /** A string field is not valid UTF-8 or is longer than {@link Protocol#MAX_STRING_BYTES}. */
    BAD_STRING(7),
    /** The message is larger than the configured limit. */
    TOO_LARGE(8),
    /** A reserved field is not zero. */
    BAD_RESERVED(9);

    private final int code;

    DecodeStatus(int code) {
        this.code = code;
    }

    /** Numeric reason, carried in ERROR messages. */
    public int code() {
        return code;
    }
}
