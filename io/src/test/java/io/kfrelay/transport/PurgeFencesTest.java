package io.kfrelay.transport;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pending purges of one egress queue, driven as the queue drives them: register, look up, pass a fence. */
@DisplayName("PurgeFences: which streams a drain drops, and up to where")
class PurgeFencesTest {
    private static final long A = StreamKeySet.key(7, 1);
    private static final long B = StreamKeySet.key(7, 2);

    private final PurgeFences purges = new PurgeFences();

    @Test
    @DisplayName("nothing pending: the drain's one check says so")
    void emptyAtFirst() {
        assertTrue(purges.isEmpty());
        assertFalse(purges.covers(A));
        purges.fenceReached(); // a fence without a purge cannot happen; if it did, it must not break the count
        assertTrue(purges.isEmpty());
        assertTrue(purges.add(A));
        assertTrue(purges.covers(A));
    }

    @Test
    @DisplayName("each fence passed ends the oldest purge; a stream purged twice stays purged up to its second fence")
    void fencesEndPurgesInOrder() {
        assertTrue(purges.add(A));
        assertTrue(purges.add(B));
        assertTrue(purges.add(A));
        assertTrue(purges.covers(A) && purges.covers(B));
        assertFalse(purges.covers(StreamKeySet.key(8, 1)), "another sender's stream 1");

        purges.fenceReached();
        assertTrue(purges.covers(A), "A's second purge is still ahead");
        assertTrue(purges.covers(B));
        purges.fenceReached();
        assertFalse(purges.covers(B));
        assertTrue(purges.covers(A));
        purges.fenceReached();
        assertTrue(purges.isEmpty());
        assertFalse(purges.covers(A));
    }

    @Test
    @DisplayName("bounded: a purge past the capacity is refused, and room comes back as fences are passed")
    void bounded() {
        for (int i = 0; i < PurgeFences.CAPACITY; i++) {
            assertTrue(purges.add(StreamKeySet.key(100 + i, 1)));
        }
        assertFalse(purges.add(A));
        assertFalse(purges.covers(A));
        purges.fenceReached();
        assertTrue(purges.add(A), "the ring wraps round");
        assertFalse(purges.covers(StreamKeySet.key(100, 1)), "the oldest is done");
        assertTrue(purges.covers(A));
        assertEquals(PurgeFences.CAPACITY, purges.pending());
    }

    @Test
    @DisplayName("allocates nothing after a connection's first purge")
    void allocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        purges.add(A);
        purges.fenceReached();
        Runnable work = () -> {
            for (int i = 0; i < 10_000; i++) {
                purges.add(A);
                purges.add(B);
                if (purges.isEmpty() || !purges.covers(B)) {
                    throw new AssertionError("B is pending");
                }
                purges.fenceReached();
                purges.fenceReached();
            }
        };
        long least = Long.MAX_VALUE;
        long tid = Thread.currentThread().threadId();
        for (int window = 0; window < 3; window++) {
            long before = threads.getThreadAllocatedBytes(tid);
            work.run();
            least = Math.min(least, threads.getThreadAllocatedBytes(tid) - before);
        }
        assertTrue(least < 4096, "allocated " + least + " bytes in 10,000 rounds");
    }
}
