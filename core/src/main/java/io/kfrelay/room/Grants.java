package io.kfrelay.room;

/**
 * What a participant may do in its room, decided when it joins (by its join token, or everything in the
 * relay's open mode). A participant without {@code canSubscribe} is told who is there and which streams
 * exist but is sent no media; one without {@code canPublish} that sends media is evicted.
 *
 * @param canPublish   may send media
 * @param canSubscribe receives the media of the others
 * @param relay        one end of a relay-to-relay cascade link (docs/CLUSTER.md), never a person: at an origin, an
 *                     edge's session (it may subscribe to single simulcast layers, each as a plain stream, because its
 *                     own receivers may want different layers); at an edge, the local stand-in of a publisher at the
 *                     origin. A relay receiver is never given a relay publisher's streams: a relayed packet is never
 *                     relayed again, so cascades cannot loop
 */
public record Grants(boolean canPublish, boolean canSubscribe, boolean relay) {
    /** Publish and subscribe: the open mode, and what most tokens grant. */
    public static final Grants ALL = new Grants(true, true);
    /** An edge relay's session at the room's origin: receives only. */
    public static final Grants EDGE = new Grants(false, true, true);
    /** A publisher at the origin as an edge relays it: publishes only. */
    public static final Grants MIRROR = new Grants(true, false, true);

    public Grants(boolean canPublish, boolean canSubscribe) {
        this(canPublish, canSubscribe, false);
    }

    /** Neither: a token like this is refused at JOIN (it could do nothing but take a seat). */
    public boolean none() {
        return !canPublish && !canSubscribe;
    }
}
