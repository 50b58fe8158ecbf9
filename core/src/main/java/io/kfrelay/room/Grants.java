package io.kfrelay.room;

/**
 * What a participant may do in its room, decided when it joins (by its join token, or everything in the
 * relay's open mode). A participant without {@code canSubscribe} is told who is there and which streams
 * exist but is sent no media; one without {@code canPublish} that sends media is evicted.
 *
 * @param canPublish   may send media
 * @param canSubscribe receives the media of the others
 */
public record Grants(boolean canPublish, boolean canSubscribe) {
    /** Publish and subscribe: the open mode, and what most tokens grant. */
    public static final Grants ALL = new Grants(true, true);

    /** Neither: a token like this is refused at JOIN (it could do nothing but take a seat). */
    public boolean none() {
        return !canPublish && !canSubscribe;
    }
}
