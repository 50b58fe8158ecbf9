package io.kfrelay.e2e;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP forwarder on loopback between one QUIC client and the relay, which can lose packets on purpose: the
 * client's large packets (those that carry media datagrams) on request, a random share of all the client's packets
 * (a lossy uplink; QUIC retransmits what was on a stream, datagrams are gone), or everything in both directions (the
 * peer "vanishes": no close, just silence). Two platform threads, stopped by {@link #close()}.
 */
final class LossyUdpProxy implements AutoCloseable {
    /** Client packets at least this big carry a media datagram (control and acknowledgements are small). */
    private static final int LARGE_PACKET_BYTES = 1000;

    private final DatagramChannel front;
    private final DatagramChannel back;
    private final InetSocketAddress relay;
    private final Thread up;
    private final Thread down;
    private final AtomicInteger dropCountdown = new AtomicInteger(-1);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();
    /** Set by the test; only the upstream thread draws from it. */
    private volatile SplittableRandom loss;
    private volatile double lossShare;
    private volatile SocketAddress client;
    private volatile boolean blackhole;
    private volatile boolean closed;

    LossyUdpProxy(InetSocketAddress relay) throws IOException {
        this.relay = relay;
        front = DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress("127.0.0.1", 0));
        back = DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress("127.0.0.1", 0));
        up = Thread.ofPlatform().daemon().name("proxy-up").start(this::upstream);
        down = Thread.ofPlatform().daemon().name("proxy-down").start(this::downstream);
    }

    int port() throws IOException {
        return ((InetSocketAddress) front.getLocalAddress()).getPort();
    }

    /** Drops the {@code n}-th large client packet from now (1 = the next one), once. */
    void dropLargeClientPacket(int n) {
        dropCountdown.set(n);
    }

    /**
     * From now on each client packet is lost with probability {@code share}, independently (a seeded generator, so
     * runs differ only by timing).
     */
    void loseClientPackets(double share, long seed) {
        lossShare = share;
        loss = new SplittableRandom(seed);
    }

    /** Client packets forwarded to the relay. */
    long forwarded() {
        return forwarded.get();
    }

    /** From now on nothing passes, either way: the client has vanished as far as the relay can tell. */
    void blackhole() {
        blackhole = true;
    }

    long dropped() {
        return dropped.get();
    }

    private void upstream() {
        ByteBuffer buf = ByteBuffer.allocate(65_536);
        while (!closed) {
            try {
                buf.clear();
                client = front.receive(buf);
                buf.flip();
                boolean large = buf.remaining() >= LARGE_PACKET_BYTES;
                SplittableRandom random = loss;
                if (blackhole || (large && dropCountdown.get() > 0 && dropCountdown.decrementAndGet() == 0)
                        || (random != null && random.nextDouble() < lossShare)) {
                    dropped.incrementAndGet();
                    continue;
                }
                back.send(buf, relay);
                forwarded.incrementAndGet();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void downstream() {
        ByteBuffer buf = ByteBuffer.allocate(65_536);
        while (!closed) {
            try {
                buf.clear();
                back.receive(buf);
                buf.flip();
                SocketAddress to = client;
                if (blackhole || to == null) {
                    dropped.incrementAndGet();
                    continue;
                }
                front.send(buf, to);
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        front.close();
        back.close();
        try {
            up.join(2000);
            down.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
