package io.kfrelay.protocol;

/** Every message type of protocol version 1, with its wire code (byte 1 of every message). */
public enum MessageType {
    MEDIA(0x01),
    JOIN(0x10),
    JOINED(0x11),
    PARTICIPANT_JOINED(0x12),
    PARTICIPANT_LEFT(0x13),
    STREAM_STARTED(0x14),
    STREAM_ENDED(0x15),
    LEAVE(0x16),
    KEYFRAME_REQUEST(0x17),
    PING(0x18),
    PONG(0x19),
    SUBSCRIBE(0x1A),
    UNSUBSCRIBE(0x1B),
    SIMULCAST(0x1C),
    LAYER(0x1D),
    SUBSCRIBE_REFUSED(0x1E),
    ERROR(0x1F),
    REDIRECT(0x20),
    NODES(0x21);

    private static final MessageType[] BY_CODE = new MessageType[256];

    static {
        for (MessageType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type with this wire code, or null when the code is unknown (no allocation, no exception). */
    public static MessageType fromCode(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
