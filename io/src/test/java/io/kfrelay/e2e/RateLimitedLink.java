package io.kfrelay.e2e;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assumptions.abort;

/**
 * A remote host behind a slow link, made on this machine: a network namespace joined to the host by a veth pair,
 * with {@code tc qdisc ... tbf} on the host end. A qdisc shapes what a device sends, so the host end's qdisc limits
 * the direction host -> namespace: a relay on the host sending to a receiver in the namespace. The other direction
 * (the receiver's acknowledgements and requests) is not limited.
 *
 * <p>Each link takes a /30 of its own out of 10.231.0.0/16, chosen by an index that also names the namespace
 * ({@code kflink<index>}); creating the namespace claims the index, so concurrent test runs on one machine never
 * share addresses. {@link #close()} removes the veth pair (and with it the qdisc) and the namespace, also after a
 * failure; a JVM that is stopped by a signal removes them in a shutdown hook. Programs run inside with
 * {@link #inside(List)}. Needs root and iproute2; where a namespace cannot be made the test is skipped, with the
 * reason. There is no netem on this kernel: delay and loss need a userspace proxy, not this class.
 */
final class RateLimitedLink implements AutoCloseable {
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(10);
    private static final int INDEXES = 1 << 14; // /30 blocks in a /16

    private final String namespace;
    private final String hostDevice;
    private final String remoteDevice;
    private final InetAddress hostAddress;
    private final InetAddress remoteAddress;
    private final int burstBytes;
    private final Duration latency;
    private volatile long bitsPerSecond;
    private final Thread cleanupOnSignal;
    private boolean closed;

    private RateLimitedLink(int index, long bitsPerSecond, int burstBytes, Duration latency) {
        this.namespace = "kflink" + index;
        this.hostDevice = "kfl" + index + "h";
        this.remoteDevice = "kfl" + index + "n";
        this.hostAddress = address(index, 1);
        this.remoteAddress = address(index, 2);
        this.bitsPerSecond = bitsPerSecond;
        this.burstBytes = burstBytes;
        this.latency = latency;
        this.cleanupOnSignal = new Thread(this::remove, "remove-" + namespace);
    }

    /**
     * Makes the namespace and the link, {@code bitsPerSecond} towards the namespace, with a token bucket of
     * {@code burstBytes} and at most {@code latency} of queue (tbf's own words: what waits longer is dropped).
     */
    static RateLimitedLink open(long bitsPerSecond, int burstBytes, Duration latency) {
        ExternalCommand probe = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            int index = ThreadLocalRandom.current().nextInt(INDEXES);
            RateLimitedLink link = new RateLimitedLink(index, bitsPerSecond, burstBytes, latency);
            probe = ExternalCommand.run(IP_TIMEOUT, "ip", "netns", "add", link.namespace);
            if (probe.ok()) {
                Runtime.getRuntime().addShutdownHook(link.cleanupOnSignal);
                try {
                    link.configure();
                    return link;
                } catch (RuntimeException | Error e) {
                    link.close();
                    throw e;
                }
            }
            if (!probe.output().contains("File exists")) {
                break; // not a clash with another run: namespaces cannot be made here
            }
        }
        return abort("needs root and ip netns (iproute2) to make a network namespace: " + probe);
    }

    private void configure() {
        ip("link", "add", hostDevice, "type", "veth", "peer", "name", remoteDevice, "netns", namespace);
        ip("addr", "add", hostAddress.getHostAddress() + "/30", "dev", hostDevice);
        ip("link", "set", hostDevice, "up");
        ip("-n", namespace, "addr", "add", remoteAddress.getHostAddress() + "/30", "dev", remoteDevice);
        ip("-n", namespace, "link", "set", remoteDevice, "up");
        ip("-n", namespace, "link", "set", "lo", "up");
        tc("add", bitsPerSecond);
    }

    /**
     * Changes the link's rate in place ({@code tc qdisc change}: same bucket and queue, what is queued stays), as a
     * real link's capacity changes under a connection that stays up.
     */
    void setRate(long bitsPerSecond) {
        tc("change", bitsPerSecond);
        this.bitsPerSecond = bitsPerSecond;
    }

    /** The rate towards the namespace now, bits per second. */
    long rate() {
        return bitsPerSecond;
    }

    private void tc(String verb, long rate) {
        ExternalCommand.require(IP_TIMEOUT, "tc", "qdisc", verb, "dev", hostDevice, "root", "tbf", "rate", rate + "bit",
                "burst", Integer.toString(burstBytes), "latency", latency.toMillis() + "ms");
    }

    /** The host's end: where a relay listens for receivers in the namespace. */
    InetAddress hostAddress() {
        return hostAddress;
    }

    /** The namespace's end. */
    InetAddress remoteAddress() {
        return remoteAddress;
    }

    String namespace() {
        return namespace;
    }

    /** {@code command}, run inside the namespace ({@code ip netns exec} execs it: the process is the command). */
    List<String> inside(List<String> command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        c.addAll(command);
        return c;
    }

    /** The qdisc and its counters towards the namespace: bytes and packets sent, dropped, over the limit. */
    String stats() {
        ExternalCommand c = ExternalCommand.run(IP_TIMEOUT, "tc", "-s", "qdisc", "show", "dev", hostDevice);
        return c.output().replaceAll("\\s+", " ");
    }

    /** Removes the link and the namespace; also on a thread that was interrupted (a timeout), which stays so. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnSignal);
        } catch (IllegalStateException shuttingDown) {
            return; // the hook removes it
        }
        boolean interrupted = Thread.interrupted();
        try {
            ExternalCommand removed = remove();
            if (!removed.ok()) {
                throw new AssertionError("could not remove the test's namespace: " + removed);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Deleting one end of a veth pair deletes both, and the qdisc with it; then the namespace. */
    private ExternalCommand remove() {
        ExternalCommand.run(IP_TIMEOUT, "ip", "link", "del", hostDevice); // fails harmlessly if never made
        return ExternalCommand.run(IP_TIMEOUT, "ip", "netns", "del", namespace);
    }

    private static void ip(String... args) {
        List<String> c = new ArrayList<>(List.of("ip"));
        c.addAll(List.of(args));
        ExternalCommand.require(IP_TIMEOUT, c.toArray(String[]::new));
    }

    private static InetAddress address(int index, int host) {
        byte[] a = {10, (byte) 231, (byte) (index >> 6), (byte) (((index & 63) << 2) + host)};
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return namespace + " (" + hostAddress.getHostAddress() + " -> " + remoteAddress.getHostAddress() + ", tbf rate "
                + bitsPerSecond + "bit burst " + burstBytes + " latency " + latency.toMillis() + "ms)";
    }
}
