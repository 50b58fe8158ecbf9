package io.kfrelay.transport;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransportKindTest {

    @Test
    void nioIsAlwaysThere() {
        assertTrue(TransportKind.NIO.isAvailable());
        assertNull(TransportKind.NIO.unavailabilityCause());
        assertEquals(TransportKind.NIO, TransportKind.NIO.resolve());
        assertEquals("nio", NettyTransport.select(TransportKind.NIO).toString());
    }

    @Test
    void autoPicksTheBestAvailable() {
        TransportKind picked = TransportKind.AUTO.resolve();
        assertNotEquals(TransportKind.AUTO, picked);
        assertTrue(picked.isAvailable());
        if (TransportKind.IO_URING.isAvailable()) {
            assertEquals(TransportKind.IO_URING, picked);
        } else if (TransportKind.EPOLL.isAvailable()) {
            assertEquals(TransportKind.EPOLL, picked);
        }
    }

    @Test
    void eachResolvedKindHasMatchingChannels() {
        for (TransportKind k : TransportKind.values()) {
            if (k != TransportKind.AUTO && k.isAvailable()) {
                NettyTransport t = NettyTransport.select(k);
                assertEquals(k, t.kind());
                assertTrue(t.serverChannelClass().getSimpleName().endsWith("ServerSocketChannel"));
                assertTrue(t.socketChannelClass().getSimpleName().endsWith("SocketChannel"));
            }
        }
    }
}
