package io.kfrelay.protocol;

/**
 * Relay-level codes carried in the u16 code of an ERROR message (docs/PROTOCOL.md, "Error codes").
 * Codes 1..9 are the {@link DecodeStatus} codes of a malformed message; 100 and up are decisions of the relay.
 */
public final class ErrorCodes {
    private ErrorCodes() {
    }

    /** The JOIN was refused for a reason no more specific code names (for example a bad token). */
    public static final int JOIN_REJECTED = 100;

    /** The JOIN named a room this relay does not accept. */
    public static final int ROOM_INVALID = 101;

    /** A JOIN arrived on a connection that has already joined a room. */
    public static final int ALREADY_JOINED = 102;

    /** A message that needs a joined connection arrived before JOIN succeeded (or after LEAVE). */
    public static final int NOT_JOINED = 103;

    /** The relay is draining and accepts no new work; reconnect elsewhere or later. */
    public static final int RELAY_SHUTTING_DOWN = 104;
}
