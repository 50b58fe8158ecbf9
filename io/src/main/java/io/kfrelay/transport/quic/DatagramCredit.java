package io.kfrelay.transport.quic;

import io.netty.handler.codec.quic.QuicConnectionStats;

import java.util.function.Supplier;

/**
 * How much media one connection may still hand to quiche. quiche queues datagrams until congestion control lets
 * them out and, when its queue is full, Netty drops the rest silently (the write still succeeds). So the sink keeps
 * its own account of what still waits in quiche: what it handed over minus what quiche reports sent. Past the
 * limit the sink stops handing over and its own bounded queue, whose drops are counted, takes the strain. A
 * receiver that stops acknowledging stops quiche sending, and so stops the credit.
 *
 * <p>quiche's counts are of packets, not datagrams: a packet carries overhead and acknowledgements (so bytes sent
 * run ahead of datagram bytes), and small datagrams may share a packet (so packets sent fall behind datagrams).
 * Each estimate errs one way for one kind of traffic, so the connection counts as backed up only when both say
 * so: by bytes and by datagrams. Each is clamped at 0 and never banks credit from a surplus. Reading the counts
 * costs a native call and an allocation, so they are read only when the running estimates say the credit is used up.
 *
 * <p>Event loop only.
 */
final class DatagramCredit {
    private final long limitBytes;
    private final long limitDatagrams;
    private final Bytes bytes = new Bytes();
    private final Bytes datagrams = new Bytes();
    private boolean synced;

    /** One running estimate: handed minus sent, clamped at 0. */
    private static final class Bytes {
        long handed;
        long sentBase;
        long backlog;

        void update(long sent) {
            long b = handed - (sent - sentBase);
            if (b < 0) {
                sentBase -= b; // quiche counted more than we handed (overhead, acks): bank no credit from it
                b = 0;
            }
            backlog = b;
        }

        void add(long n) {
            handed += n;
            backlog += n;
        }
    }

    DatagramCredit(long limitBytes, long limitDatagrams) {
        this.limitBytes = limitBytes;
        this.limitDatagrams = limitDatagrams;
    }

    /** Takes credit for one datagram of {@code length} bytes if there is room, re-reading quiche's counts if needed. */
    boolean tryAcquire(int length, Supplier<QuicConnectionStats> stats) {
        if (!synced) {
            synced = true;
            update(stats.get()); // what quiche sent before the first datagram (handshake, control) is no credit
        }
        if (full(length)) {
            update(stats.get());
            if (full(length) && bytes.backlog > 0) {
                return false; // an empty backlog always takes one datagram, however large
            }
        }
        bytes.add(length);
        datagrams.add(1);
        return true;
    }

    private boolean full(int length) {
        return bytes.backlog + length > limitBytes && datagrams.backlog + 1 > limitDatagrams;
    }

    /** Whether at least half the credit is free again, per quiche's counts now. */
    boolean recovered(QuicConnectionStats stats) {
        update(stats);
        return bytes.backlog <= limitBytes / 2 || datagrams.backlog <= limitDatagrams / 2;
    }

    private void update(QuicConnectionStats stats) {
        if (stats != null) {
            bytes.update(stats.sentBytes());
            datagrams.update(stats.sent());
        }
    }

    /** Bytes believed to wait in quiche (tests, diagnostics). */
    long backlogBytes() {
        return bytes.backlog;
    }

    /** Datagrams believed to wait in quiche (tests, diagnostics). */
    long backlogDatagrams() {
        return datagrams.backlog;
    }
}
