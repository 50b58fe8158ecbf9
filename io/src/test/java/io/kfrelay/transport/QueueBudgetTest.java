package io.kfrelay.transport;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueueBudgetTest {

    @Test
    void reservesWithinBothLimitsAndBacksOutOtherwise() {
        QueueBudget b = new QueueBudget();
        assertTrue(b.tryReserve(100, 2, 250));
        assertTrue(b.tryReserve(100, 2, 250));
        assertFalse(b.tryReserve(1, 2, 250), "message limit");
        assertEquals(2, b.messages());
        assertEquals(200, b.bytes());
        assertFalse(b.tryReserve(51, 3, 250), "byte limit");
        assertTrue(b.tryReserve(50, 3, 250));
        b.release(3, 250);
        assertEquals(0, b.messages());
        assertEquals(0, b.bytes());
    }

    @Test
    void largeNumbersDoNotSpillIntoEachOther() {
        QueueBudget b = new QueueBudget();
        assertTrue(b.tryReserve(Integer.MAX_VALUE, 10, SinkLimits.MAX_BYTES * 4));
        assertEquals(1, b.messages());
        assertEquals(Integer.MAX_VALUE, b.bytes());
    }
}
