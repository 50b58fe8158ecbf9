package io.kfrelay.server;

import io.kfrelay.config.RelayConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec (issue 12, secure defaults): without an auth secret the relay's client listeners are on loopback unless an
 * address is named, so other machines cannot connect; with a secret they are on every interface; a named public
 * address without a secret binds as named and start-up says so loudly. Real sockets; the unnamed cases bind the
 * default ports 8080 and 4433, so they are skipped (not passed) where something else holds those.
 */
@Timeout(60)
class ListenDefaultsIT {
    private static final SecurityConfig OPEN = SecurityConfig.defaults();
    private static final SecurityConfig SECRET = SecurityConfig.builder()
            .authSecret("listen-defaults-test-secret-0123456789abcdef").build();

    private static RelayServer start(ServerConfig.Builder net, QuicConfig quic, SecurityConfig security) throws IOException {
        return new RelayServer(net.eventLoopThreads(1).drainTimeout(Duration.ofSeconds(1)).build(), RelayConfig.defaults())
                .withQuic(quic).withSecurity(security).start();
    }

    /** The relay on the default ports, or a skip when another process holds one of them. */
    private static RelayServer startOnDefaultPorts(SecurityConfig security) throws IOException {
        try (ServerSocket tcp = new ServerSocket(ListenPolicy.DEFAULT_WS_PORT, 1, null);
             DatagramSocket udp = new DatagramSocket(ListenPolicy.DEFAULT_QUIC_PORT)) {
            // both free: closed again at once, for the relay to take
        } catch (IOException e) {
            Assumptions.abort("the default ports (TCP 8080, UDP 4433) are taken on this machine: " + e.getMessage());
        }
        try {
            return start(ServerConfig.builder(), QuicConfig.defaults(), security);
        } catch (IOException e) {
            Assumptions.abort("a default port was taken meanwhile by another process: " + e.getMessage());
            throw e;
        }
    }

    /** An address of this machine that other machines could reach it on, or a skip when it has none. */
    private static InetAddress elsewhere() throws SocketException {
        return NetworkInterface.networkInterfaces()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (SocketException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .findFirst()
                .orElseGet(() -> {
                    Assumptions.abort("this machine has no non-loopback IPv4 address to try reaching the relay on");
                    return null;
                });
    }

    @Test
    void withoutASecretUnnamedListenersAreOnLoopbackAndOtherMachinesCannotConnect() throws Exception {
        try (RelayServer relay = startOnDefaultPorts(OPEN)) {
            assertEquals(new ListenAddress("127.0.0.1", 8080), relay.wsListen());
            assertTrue(relay.wsAddress().getAddress().isLoopbackAddress(), relay.wsAddress()::toString);
            assertEquals(new ListenAddress("127.0.0.1", 4433), relay.quicListen());
            assertTrue(relay.quic().address().getAddress().isLoopbackAddress(), relay.quic().address()::toString);
            assertTrue(relay.startupWarning().startsWith("WARNING: no --auth-secret: OPEN DEVELOPMENT MODE, on loopback only"),
                    relay.startupWarning());

            new Socket(InetAddress.getLoopbackAddress(), 8080).close();
            InetAddress other = elsewhere();
            assertThrows(ConnectException.class, () -> new Socket(other, 8080).close(),
                    "the relay must not be reachable on " + other);
        }
    }

    @Test
    void withASecretUnnamedListenersAreOnEveryInterface() throws Exception {
        try (RelayServer relay = startOnDefaultPorts(SECRET)) {
            assertEquals(new ListenAddress("0.0.0.0", 8080), relay.wsListen());
            assertTrue(relay.wsAddress().getAddress().isAnyLocalAddress(), relay.wsAddress()::toString);
            assertEquals(new ListenAddress("0.0.0.0", 4433), relay.quicListen());
            assertTrue(relay.quic().address().getAddress().isAnyLocalAddress(), relay.quic().address()::toString);
            assertFalse(relay.startupWarning().contains("OPEN DEVELOPMENT MODE"), relay.startupWarning());

            new Socket(elsewhere(), 8080).close();
        }
    }

    @Test
    void aNamedPublicAddressWithoutASecretIsBoundAsNamedAndSaidLoudly() throws Exception {
        try (RelayServer relay = start(ServerConfig.builder().wsListen("0.0.0.0", 0),
                QuicConfig.builder().listen("127.0.0.1", 0).build(), OPEN)) {
            assertTrue(relay.wsAddress().getAddress().isAnyLocalAddress(), relay.wsAddress()::toString);
            String warning = relay.startupWarning();
            assertTrue(warning.startsWith("WARNING: OPEN DEVELOPMENT MODE ON A PUBLIC ADDRESS: no --auth-secret, yet "
                    + "listening on every interface, port " + relay.wsPort() + "."), warning);
            assertFalse(warning.contains(Integer.toString(relay.quic().address().getPort())),
                    "the QUIC listener is on loopback, so it is not named: " + warning);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(elsewhere(), relay.wsPort()), 2000);
            }
        }
    }

    @Test
    void aNamedLoopbackAddressWithASecretStaysOnLoopback() throws Exception {
        try (RelayServer relay = start(ServerConfig.builder().wsListen("127.0.0.1", 0), QuicConfig.disabled(), SECRET)) {
            assertTrue(relay.wsAddress().getAddress().isLoopbackAddress(), relay.wsAddress()::toString);
            assertNull(relay.quic());
            assertNull(relay.quicListen());
        }
    }
}
