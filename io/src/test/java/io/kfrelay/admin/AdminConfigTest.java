package io.kfrelay.admin;

import io.kfrelay.server.ListenAddress;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec: the admin server is on loopback by default, and a relay that requires auth requires an admin token. */
class AdminConfigTest {
    private static final ListenAddress ANY = new ListenAddress("127.0.0.1", 0);

    @Test
    void byDefaultTheAdminServerListensOnLoopbackPort9090WithoutAToken() {
        AdminConfig c = AdminConfig.defaults();
        assertEquals(new ListenAddress("127.0.0.1", 9090), c.listen());
        assertTrue(c.enabled());
        assertEquals(null, c.token());
        assertFalse(AdminConfig.disabled().enabled());
    }

    @Test
    void withAuthRequiredTheAdminTokenMustBeSet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdminConfig(ANY, null, true));
        assertTrue(e.getMessage().contains("admin-token"), e.getMessage());
        new AdminConfig(ANY, "a-long-enough-admin-token", true); // fine
        new AdminConfig(null, null, true); // no admin server, nothing to protect
    }

    @Test
    void aTokenMustBeLongAndPrintable() {
        assertThrows(IllegalArgumentException.class, () -> new AdminConfig(ANY, "short", false));
        assertThrows(IllegalArgumentException.class, () -> new AdminConfig(ANY, "has a space in the token", false));
    }
}
