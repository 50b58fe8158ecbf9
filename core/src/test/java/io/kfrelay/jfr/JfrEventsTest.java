package io.kfrelay.jfr;

import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: a Flight Recording of a running relay tells its story in the relay's own events: who joined and left,
 * each late joiner's replay, each keyframe cached or rejected, with room, participant and stream.
 */
class JfrEventsTest {
    private static final int CAM = 1;

    @TempDir
    Path tmp;

    @Test
    void aRecordingHoldsJoinsReplaysKeyframesAndLeaves() throws Exception {
        Path file = tmp.resolve("relay.jfr");
        // The JDK's "default" settings, as `jcmd PID JFR.start` uses them: the relay's events are on in it.
        try (Recording recording = new Recording(Configuration.getConfiguration("default"))) {
            recording.start();
            try (TestRelay relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.KEYFRAME).build())) {
                TestPeer alice = relay.join("stage", "alice");
                alice.keyframe(CAM, 3);           // cached
                alice.keyframeStart(CAM, 2, 4);   // a keyframe that loses a packet: rejected (GAP)
                alice.lose(CAM, 1);
                alice.keyframeRest(CAM, 3, 4);
                relay.settle();
                TestPeer bob = relay.join("stage", "bob"); // replayed the cached keyframe
                bob.session.leave();
                relay.settle();
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Map<String, List<RecordedEvent>> byType = events.stream()
                .collect(Collectors.groupingBy(e -> e.getEventType().getName()));

        List<RecordedEvent> joins = byType.getOrDefault("kfrelay.ParticipantJoined", List.of());
        assertEquals(List.of("alice", "bob"), joins.stream().map(e -> e.getString("identity")).toList());
        assertTrue(joins.stream().allMatch(e -> e.getString("room").equals("stage")));

        RecordedEvent promoted = only(byType, "kfrelay.KeyframePromoted");
        assertEquals("stage", promoted.getString("room"));
        assertEquals(CAM, promoted.getInt("streamId"));
        assertEquals(3, promoted.getInt("packets"));
        assertEquals(3L * (TestPeer.PAYLOAD + 20), promoted.getLong("bytes"));

        RecordedEvent rejected = only(byType, "kfrelay.KeyframeRejected");
        assertEquals("GAP", rejected.getString("reason"));

        RecordedEvent replay = only(byType, "kfrelay.Replay");
        assertEquals(joins.get(1).getInt("participantId"), replay.getInt("participantId"));
        assertEquals(3, replay.getInt("packets"));
        assertTrue(replay.getDuration("replayDuration").toNanos() > 0, "the replay took some time");

        // Bob left; the relay's close evicted alice: both leave events are there.
        assertEquals(2, byType.getOrDefault("kfrelay.ParticipantLeft", List.of()).size());
    }

    private static RecordedEvent only(Map<String, List<RecordedEvent>> byType, String type) {
        List<RecordedEvent> list = byType.getOrDefault(type, List.of());
        assertEquals(1, list.size(), () -> type + " events: " + list);
        return list.getFirst();
    }
}
