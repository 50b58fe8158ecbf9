package io.kfrelay.perf.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SequenceCheckTest {

    @Test
    void reportsGapsAndDuplicatesPerStream() {
        SequenceCheck c = new SequenceCheck(4);
        assertEquals(0, c.onPacket(1, 1, 100), "first packet of a stream");
        assertEquals(0, c.onPacket(1, 1, 101));
        assertEquals(0, c.onPacket(1, 2, 7), "another stream has its own numbers");
        assertEquals(3, c.onPacket(1, 1, 105), "102..104 missing");
        assertEquals(-1, c.onPacket(1, 1, 105), "repeated");
        assertEquals(-1, c.onPacket(1, 1, 103), "backwards");
        assertEquals(0, c.onPacket(1, 1, 106), "a step back does not move the expectation");
    }

    @Test
    void wrapsAtTwoToTheThirtyTwo() {
        SequenceCheck c = new SequenceCheck(1);
        c.onPacket(2, 1, 0xFFFF_FFFEL);
        assertEquals(0, c.onPacket(2, 1, 0xFFFF_FFFFL));
        assertEquals(0, c.onPacket(2, 1, 0));
        assertEquals(1, c.onPacket(2, 1, 2));
    }

    @Test
    void streamsBeyondItsSlotsAreNotChecked() {
        SequenceCheck c = new SequenceCheck(1);
        c.onPacket(1, 1, 1);
        assertEquals(0, c.onPacket(2, 1, 50));
        assertEquals(0, c.onPacket(2, 1, 10));
    }

    @Test
    void aForgottenStreamStartsAfreshOthersAreKept() {
        SequenceCheck c = new SequenceCheck(4);
        c.onPacket(1, 10, 100);
        c.onPacket(1, 11, 7);
        c.onPacket(1, 12, 50);
        c.forget(1, 10);            // switched back to layer 10 (LAYER): its numbers jumped meanwhile
        assertEquals(0, c.onPacket(1, 10, 400), "a new start, not a gap of 299");
        assertEquals(1, c.onPacket(1, 11, 9), "the others still checked");
        assertEquals(0, c.onPacket(1, 12, 51));
        c.forget(9, 9);             // unknown: nothing happens
        assertEquals(0, c.onPacket(1, 10, 401));
    }
}
