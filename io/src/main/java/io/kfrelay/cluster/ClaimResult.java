package io.kfrelay.cluster;

/** What a claim on a room's ownership came to. */
public sealed interface ClaimResult {

    /** This node owns the room now, with this room epoch, for the lease it asked for. */
    record Claimed(long epoch) implements ClaimResult {
    }

    /** Another node holds the room. */
    record Held(RoomOwner owner) implements ClaimResult {
    }
}
