package io.kfrelay.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Spec: an unnamed client listener is on loopback without an auth secret and on every interface with one. */
class ListenPolicyTest {
    private static final SecurityConfig OPEN = SecurityConfig.defaults();
    private static final SecurityConfig SECRET = SecurityConfig.builder()
            .authSecret("listen-policy-test-secret-0123456789abcdef").build();

    @Test
    void withoutASecretAnUnnamedListenerIsOnLoopback() {
        assertEquals(new ListenAddress("127.0.0.1", 8080), ListenPolicy.resolve(null, ListenPolicy.DEFAULT_WS_PORT, OPEN));
        assertEquals(new ListenAddress("127.0.0.1", 4433), ListenPolicy.resolve(null, ListenPolicy.DEFAULT_QUIC_PORT, OPEN));
    }

    @Test
    void withASecretAnUnnamedListenerIsOnEveryInterface() {
        assertEquals(new ListenAddress("0.0.0.0", 8080), ListenPolicy.resolve(null, ListenPolicy.DEFAULT_WS_PORT, SECRET));
        SecurityConfig required = SECRET.toBuilder().requireAuth(true).build();
        assertEquals(new ListenAddress("0.0.0.0", 4433), ListenPolicy.resolve(null, ListenPolicy.DEFAULT_QUIC_PORT, required));
    }

    @Test
    void aNamedAddressIsUsedAsNamedInEveryMode() {
        ListenAddress everyInterface = new ListenAddress("0.0.0.0", 9000);
        ListenAddress loopback = new ListenAddress("127.0.0.1", 0);
        assertEquals(everyInterface, ListenPolicy.resolve(everyInterface, ListenPolicy.DEFAULT_WS_PORT, OPEN));
        assertEquals(loopback, ListenPolicy.resolve(loopback, ListenPolicy.DEFAULT_WS_PORT, SECRET));
        ListenAddress v6 = new ListenAddress("::", 4433);
        assertEquals(v6, ListenPolicy.resolve(v6, ListenPolicy.DEFAULT_QUIC_PORT, OPEN));
    }
}
