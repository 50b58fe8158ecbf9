package io.kfrelay.perf.load;

import io.kfrelay.protocol.Protocol;

import java.util.Set;

/**
 * Which plain streams a client that joined with MANUAL_SUBSCRIBE subscribes to, by publisher identity: every
 * audio stream or none, and the video ("cameras") of the named publishers only.
 *
 * @param allAudio every publisher's audio
 * @param cameras  identities whose video this client wants
 */
public record StreamChoice(boolean allAudio, Set<String> cameras) {
    /** Subscribes to nothing (a publisher that only publishes). */
    public static final StreamChoice NOTHING = new StreamChoice(false, Set.of());

    public StreamChoice {
        cameras = Set.copyOf(cameras);
    }

    /** Everyone's audio, and the video of {@code cameras}: a meeting participant who shows only some faces. */
    public static StreamChoice audioAndCameras(Set<String> cameras) {
        return new StreamChoice(true, cameras);
    }

    public boolean wants(String publisherIdentity, int kind) {
        return kind == Protocol.KIND_AUDIO ? allAudio : cameras.contains(publisherIdentity);
    }
}
