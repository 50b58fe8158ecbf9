package io.kfrelay.perf.media;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameSizesTest {
    private static final int MAX_PAYLOAD = 1180;

    @Test
    void largeRoomIsTwoAndAHalfMegabitsWithA200KbKeyframe() {
        FrameSizes s = FrameSizes.of(MediaProfile.LARGE_ROOM, MAX_PAYLOAD);
        assertEquals(120, s.framesPerGop());
        assertEquals(200_000, s.keyframeBytes());
        // (2.5e6 / 8 * 4 - 200000) / 119 = 8823.5: about 8.8 KB per delta, about 10 KB per frame on average
        assertEquals(8823, s.deltaBytes(), 8);
        assertEquals(2_500_000, s.videoBitsPerSecond(30), 2_500_000 * 0.001);
        assertEquals(170, s.packets(s.keyframeBytes()));
    }

    @ParameterizedTest
    @ValueSource(longs = {300_000, 1_000_000, 2_500_000, 16_000_000, 128_000_000})
    void everyProfileComesOutAtItsBitrate(long bps) {
        FrameSizes s = FrameSizes.of(MediaProfile.LARGE_ROOM.withVideoBitsPerSecond(bps), MAX_PAYLOAD);
        if (bps >= 500_000) {
            assertEquals(bps, s.videoBitsPerSecond(30), bps * 0.002);
        } else {
            // Below the keyframes' own rate the deltas stay at their minimum: the bitrate cannot be met.
            assertEquals(FrameSizes.MIN_DELTA_BYTES, s.deltaBytes());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 1180, 1181, 1187, 1188, 2360 + 3, 200_000})
    void everyPacketOfAFittedFrameHoldsTheStamp(int length) {
        int fitted = FrameSizes.fit(length, MAX_PAYLOAD);
        assertTrue(fitted >= length && fitted < length + SendStamp.BYTES);
        int last = fitted % MAX_PAYLOAD;
        assertTrue(last == 0 || last >= SendStamp.BYTES, "last packet payload " + last);
    }

    @Test
    void refusesProfilesThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> new MediaProfile(0, 30, Duration.ofSeconds(4), 1000, 0,
                Duration.ofMillis(20)));
        assertThrows(IllegalArgumentException.class, () -> new MediaProfile(1000, 30, Duration.ofMillis(10), 1000, 0,
                Duration.ofMillis(20)));
        assertThrows(IllegalArgumentException.class, () -> FrameSizes.fit(100, 4));
    }
}
