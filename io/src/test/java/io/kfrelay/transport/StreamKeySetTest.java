package io.kfrelay.transport;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamKeySetTest {

    @Test
    void keysSeparateSenderAndStream() {
        assertNotEquals(StreamKeySet.key(1, 2), StreamKeySet.key(2, 1));
        assertNotEquals(StreamKeySet.key(0xFFFF_FFFFL, 0xFFFF), StreamKeySet.key(0xFFFF_FFFEL, 0xFFFF));
    }

    @Test
    void addContainsRemove() {
        StreamKeySet set = new StreamKeySet(4);
        assertTrue(set.isEmpty());
        set.add(StreamKeySet.key(1, 1));
        set.add(StreamKeySet.key(1, 1));
        assertEquals(1, set.size());
        assertTrue(set.contains(StreamKeySet.key(1, 1)));
        set.remove(StreamKeySet.key(1, 1));
        assertTrue(set.isEmpty());
        set.remove(StreamKeySet.key(9, 9)); // absent: nothing happens
    }

    @Test
    void theOldestFallsOutWhenFull() {
        StreamKeySet set = new StreamKeySet(3);
        for (int s = 1; s <= 4; s++) {
            set.add(StreamKeySet.key(1, s));
        }
        assertEquals(3, set.size());
        assertFalse(set.contains(StreamKeySet.key(1, 1)));
        assertTrue(set.contains(StreamKeySet.key(1, 2)));
        assertTrue(set.contains(StreamKeySet.key(1, 4)));
    }
}
