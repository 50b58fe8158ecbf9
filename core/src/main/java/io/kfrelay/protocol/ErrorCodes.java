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

    /** The relay's operator removed the participant (admin API kick). */
    public static final int KICKED = 105;

    /** The receiver could not keep up: it dropped media and did not catch up within the relay's stall timeout. */
    public static final int TOO_SLOW = 106;

    /**
     * A SIMULCAST declaration the relay cannot take: no layer or more than {@link Protocol#MAX_LAYERS}, a stream
     * named twice, a stream already declared in a source, or one that has already started as a plain stream.
     */
    public static final int SIMULCAST_INVALID = 107;

    // 110..129: admission control and abuse (docs/SECURITY.md).

    /** The room already has its maximum number of participants. */
    public static final int ROOM_FULL = 110;

    /** The relay already holds its maximum number of rooms and the JOIN would open another. */
    public static final int TOO_MANY_ROOMS = 111;

    /** The relay requires a join token and the JOIN carried none. */
    public static final int TOKEN_REQUIRED = 112;

    /** The token is not a well-formed JWT (HS256, ES256 or EdDSA) with the claims the relay needs. */
    public static final int TOKEN_MALFORMED = 113;

    /** The token's signature does not verify with its key (the HS256 secret, or the public key its kid selects). */
    public static final int TOKEN_BAD_SIGNATURE = 114;

    /** The token has expired ({@code exp}, beyond the clock skew). */
    public static final int TOKEN_EXPIRED = 115;

    /** The token does not grant the room the JOIN names. */
    public static final int TOKEN_WRONG_ROOM = 116;

    /** The JOIN's identity is not the one the token was issued to. */
    public static final int TOKEN_WRONG_IDENTITY = 117;

    /** The token grants neither publishing nor subscribing. */
    public static final int GRANT_MISSING = 118;

    /** The participant sent media but its token does not grant canPublish. */
    public static final int PUBLISH_NOT_ALLOWED = 119;

    /** The room has an allow-list and the identity is not on it. */
    public static final int NOT_ON_ROOM_ACL = 120;

    /** The connection kept sending faster than its ingress rate limit allows. */
    public static final int RATE_LIMITED = 121;

    /** Too many JOIN attempts from this source address in the last second. */
    public static final int TOO_MANY_JOINS = 122;

    /** The relay has no key for the token: its {@code kid} names none, or it has no kid and the relay no HS256 secret. */
    public static final int TOKEN_UNKNOWN_KEY = 124;

    /** The token's {@code alg} is not the algorithm of the key its kid selects (the key decides, never the token). */
    public static final int TOKEN_WRONG_ALGORITHM = 125;

    // 130..139: why a SUBSCRIBE was refused (only in SUBSCRIBE_REFUSED; the connection stays open).

    /** The room has no such publisher or stream now (it may have just ended). */
    public static final int NO_SUCH_STREAM = 130;

    /** The participant may not receive media: its token does not grant canSubscribe. */
    public static final int SUBSCRIBE_NOT_ALLOWED = 131;

    /** The stream is the subscriber's own. */
    public static final int OWN_STREAM = 132;

    /** The layer is beyond the source's layers (a plain stream has one layer, 0). */
    public static final int NO_SUCH_LAYER = 133;

    /** The participant has too many subscription changes waiting for the relay; send it again later. */
    public static final int TOO_MANY_PENDING = 134;

    // 140..149: cluster placement (docs/CLUSTER.md); only with serve --cluster.

    /**
     * Another relay of the cluster is the room's origin (it holds the room's ownership claim): the reason names that
     * node and its WebSocket URL; connect there. (A REDIRECT message that clients follow by themselves is planned.)
     */
    public static final int ROOM_ELSEWHERE = 140;

    /**
     * The relay cannot reach the cluster store (Redis) to place a room it does not already own: retry, here or at
     * another node. Rooms the relay already serves are not affected.
     */
    public static final int CLUSTER_UNAVAILABLE = 141;

    /**
     * An edge relay's JOIN at a room's origin names a room epoch that is not the origin's current one (the room
     * changed hands, or the origin lost it): the edge looks up the owner again. Relays only.
     */
    public static final int STALE_EPOCH = 142;

    /** A JOIN carried a cluster credential (an edge relay's) that this relay cannot verify. Relays only. */
    public static final int CLUSTER_CREDENTIAL_INVALID = 143;
}
