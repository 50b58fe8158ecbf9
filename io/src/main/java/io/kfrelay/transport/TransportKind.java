package io.kfrelay.transport;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;

/**
 * Which Netty I/O transport the relay's sockets use. The native ones (io_uring, epoll) are Linux only and
 * need their native library to load; NIO works everywhere.
 */
public enum TransportKind {
    /** io_uring if it is available here, else epoll, else NIO. */
    AUTO,
    /** Linux epoll (netty-transport-native-epoll). */
    EPOLL,
    /** Linux io_uring (netty-transport-native-io_uring); needs a kernel and a seccomp policy that allow it. */
    IO_URING,
    /** Java NIO selectors; always available. */
    NIO;

    /** Whether this transport can be used in this JVM on this machine (AUTO and NIO always can). */
    public boolean isAvailable() {
        return switch (this) {
            case AUTO, NIO -> true;
            case EPOLL -> Epoll.isAvailable();
            case IO_URING -> IoUring.isAvailable();
        };
    }

    /** Why this transport cannot be used here, or null when it can. */
    public Throwable unavailabilityCause() {
        return switch (this) {
            case AUTO, NIO -> null;
            case EPOLL -> Epoll.unavailabilityCause();
            case IO_URING -> IoUring.unavailabilityCause();
        };
    }

    /**
     * The concrete transport to use: AUTO becomes the best available one; any other kind is returned as is
     * when available. Asking for a native transport that is not available is an error, not a silent fallback.
     *
     * @throws IllegalStateException naming the transport and the reason it is unavailable
     */
    public TransportKind resolve() {
        if (this == AUTO) {
            return IO_URING.isAvailable() ? IO_URING : EPOLL.isAvailable() ? EPOLL : NIO;
        }
        if (!isAvailable()) {
            Throwable cause = unavailabilityCause();
            throw new IllegalStateException("transport " + name().toLowerCase(java.util.Locale.ROOT)
                    + " is not available here" + (cause == null ? "" : ": " + cause), cause);
        }
        return this;
    }
}
