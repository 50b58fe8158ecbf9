package io.kfrelay.protocol;

/** Why the relay changed the layer of a simulcast source it sends one receiver (LAYER's cause byte). */
public enum LayerCause {
    /** The receiver subscribed, or changed its layer preference. */
    REQUESTED(1),
    /** Auto layer: the receiver's egress queue showed it could not keep up; one layer down. */
    CONGESTION(2),
    /** Auto layer: the receiver's queue stayed drained long enough; one layer up again. */
    RECOVERED(3),
    /** The source's layers changed: the one wanted started, or the one sent ended. */
    AVAILABILITY(4);

    private static final LayerCause[] BY_CODE = new LayerCause[256];

    static {
        for (LayerCause c : values()) {
            BY_CODE[c.code] = c;
        }
    }

    private final int code;

    LayerCause(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The cause with this code, or null when the code is unknown. */
    public static LayerCause fromCode(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
