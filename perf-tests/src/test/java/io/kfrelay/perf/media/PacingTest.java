package io.kfrelay.perf.media;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PacingTest {

    @Test
    void offAndBurstMeanFramesAsBursts() {
        assertFalse(Pacing.parse("off").paced());
        assertFalse(Pacing.parse("burst").paced());
        assertEquals("burst", Pacing.parse("OFF").describe());
    }

    @Test
    void aMultiplierPacesAtThatMultipleOfTheBitrate() {
        Pacing p = Pacing.parse("2.5");
        assertTrue(p.paced());
        // 1200 bytes at 2.5 x 2.5 Mbps = 6.25 Mbps: 9600 bits / 6.25e6 bit/s = 1.536 ms
        assertEquals(1_536_000, p.packetNanos(1200, 2_500_000));
        assertEquals("2.5x bitrate", p.describe());
    }

    @Test
    void aTwoHundredKilobyteKeyframeTakesAQuarterSecondAtTheWebRtcDefault() {
        Pacing p = new Pacing(Pacing.WEBRTC_MULTIPLIER);
        long nanos = 171 * p.packetNanos(1200, 2_500_000);
        assertEquals(262, nanos / 1_000_000); // 171 x 1.536 ms
    }

    @Test
    void aPacerSlowerThanTheEncoderOrNonsenseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Pacing.parse("0.5"));
        assertThrows(IllegalArgumentException.class, () -> Pacing.parse("fast"));
        assertThrows(IllegalArgumentException.class, () -> Pacing.parse("1000"));
    }
}
