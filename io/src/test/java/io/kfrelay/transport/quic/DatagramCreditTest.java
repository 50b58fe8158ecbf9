package io.kfrelay.transport.quic;

import io.netty.handler.codec.quic.QuicConnectionStats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The datagram credit: what waits inside quiche, estimated from its sent counters, bounds what is handed over. */
class DatagramCreditTest {
    private long sentBytes;
    private long sentPackets;

    private QuicConnectionStats stats() {
        long b = sentBytes;
        long p = sentPackets;
        return new QuicConnectionStats() {
            public long recv() { return 0; }
            public long sent() { return p; }
            public long lost() { return 0; }
            public long retrans() { return 0; }
            public long sentBytes() { return b; }
            public long recvBytes() { return 0; }
            public long lostBytes() { return 0; }
            public long streamRetransBytes() { return 0; }
            public long pathsCount() { return 1; }
        };
    }

    @Test
    void aReceiverThatStopsAcknowledgingRunsOutOfCreditAndGetsItBackWhenQuicheSends() {
        DatagramCredit credit = new DatagramCredit(10_000, 8);
        int handed = 0;
        while (credit.tryAcquire(1000, this::stats)) {
            handed++;
        }
        assertEquals(10, handed, "nothing sent: the credit stops at the larger of 10 000 bytes and 8 datagrams");
        assertFalse(credit.recovered(stats()));
        sentBytes = 6 * 1050; // quiche sent six datagrams (with overhead)
        sentPackets = 6;
        assertTrue(credit.recovered(stats()), "four left waiting: more than half the credit is free");
        assertTrue(credit.tryAcquire(1000, this::stats));
    }

    @Test
    void overheadAndAcknowledgementsBankNoCredit() {
        DatagramCredit credit = new DatagramCredit(10_000, 8);
        sentBytes = 1_000_000; // quiche sent lots of other packets (acks, stream data) before any media
        sentPackets = 1000;
        int handed = 0;
        while (credit.tryAcquire(1000, this::stats)) {
            handed++;
        }
        assertEquals(10, handed, "the surplus does not turn into credit");
    }

    @Test
    void smallDatagramsSharingPacketsAreBoundedByBytes() {
        DatagramCredit credit = new DatagramCredit(10_000, 8);
        for (int i = 0; i < 100; i++) {
            assertTrue(credit.tryAcquire(100, this::stats), "100-byte datagrams: 10 000 bytes is 100 of them");
            sentPackets += i % 2; // two datagrams per packet: the packet count lags, the byte count does not
            sentBytes += 100 + (i % 2) * 40;
        }
        assertTrue(credit.backlogDatagrams() > 8, "by packets it looks backed up");
        assertTrue(credit.tryAcquire(100, this::stats), "but by bytes it is not, and both must agree");
    }

    @Test
    void oneDatagramAlwaysPassesAnEmptyBacklog() {
        DatagramCredit credit = new DatagramCredit(2048, 8);
        assertTrue(credit.tryAcquire(60_000, this::stats));
    }
}
