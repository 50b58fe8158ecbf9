package io.kfrelay.perf.load;

import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamChoiceTest {

    @Test
    void everyonesAudioButOnlyTheChosenCameras() {
        StreamChoice c = StreamChoice.audioAndCameras(Set.of("p1", "p2"));
        assertTrue(c.wants("p1", Protocol.KIND_VIDEO));
        assertTrue(c.wants("p2", Protocol.KIND_VIDEO));
        assertFalse(c.wants("p3", Protocol.KIND_VIDEO));
        assertTrue(c.wants("p3", Protocol.KIND_AUDIO));
    }

    @Test
    void nothingIsNothing() {
        assertFalse(StreamChoice.NOTHING.wants("p1", Protocol.KIND_AUDIO));
        assertFalse(StreamChoice.NOTHING.wants("p1", Protocol.KIND_VIDEO));
    }
}
