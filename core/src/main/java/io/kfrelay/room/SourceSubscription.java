package io.kfrelay.room;

import io.kfrelay.protocol.LayerCause;
import io.kfrelay.protocol.Protocol;

/**
 * One receiver's subscription to a {@link SimulcastSource}: the layer it prefers (or auto), the one {@link #leg} it
 * gets now, a switch waiting for its moment, and the auto layer's state. Owned by {@link LayerSwitches}.
 */
final class SourceSubscription {
    final SimulcastSource source;
    final Participant receiver;
    /** 0..top, or {@link Protocol#LAYER_AUTO}. */
    int preference;
    /** Auto: the highest layer the receiver's link is deemed to take now. */
    int ceiling;
    /** The layer being sent now, or null (no layer started yet, or the one sent ended). */
    Subscription leg;
    /** The layer this receiver last got, -1 before its first: a change from one layer to another is a switch. */
    int lastLayer = -1;

    // A switch waiting for its moment: the new layer has something to replay, and the old one is between frames.
    /** The layer stream a switch waits for, or null. */
    PublishedStream pending;
    LayerCause pendingCause;
    /** Nothing of the new layer was cached when the switch was asked for: it waits for the layer's next keyframe. */
    boolean pendingWaited;

    // Auto layer (AutoLayer).
    long drainedSinceNanos = AutoLayer.NEVER;
    long overSinceNanos = AutoLayer.NEVER;
    long backlogAtOver;
    long lastDownNanos = AutoLayer.NEVER;
    long lastUpNanos = AutoLayer.NEVER;
    long upAfterNanos;

    int indexInSource = -1;
    /** Position in the pending layer stream's {@link PublishedStream#switchingHere}. */
    int indexInPending = -1;

    SourceSubscription(SimulcastSource source, Participant receiver, int preference, long upAfterNanos) {
        this.source = source;
        this.receiver = receiver;
        this.preference = preference;
        this.ceiling = source.top();
        this.upAfterNanos = upAfterNanos;
    }

    boolean auto() {
        return preference == Protocol.LAYER_AUTO;
    }

    /** The layer sent now, or -1. */
    int layer() {
        return leg == null ? -1 : leg.stream.layer;
    }

    /** The highest layer this receiver should get now: its preference, or in auto its ceiling. */
    int wanted() {
        return auto() ? ceiling : preference;
    }
}
