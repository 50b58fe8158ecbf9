package io.kfrelay.client;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A pin is written as 64 hex digits, with or without colons, in either case; it prints the openssl way. */
class CertificatePinTest {
    private static final String COLONS = "AB:" + "00:".repeat(30) + "CD";

    @Test
    void parsesWithOrWithoutColonsAndPrintsWithThem() {
        CertificatePin pin = CertificatePin.parse(COLONS.toLowerCase());
        assertEquals(COLONS, pin.toString());
        assertEquals(pin, CertificatePin.parse(COLONS.replace(":", "")));
    }

    @Test
    void refusesAnythingElse() {
        assertThrows(IllegalArgumentException.class, () -> CertificatePin.parse("AB:CD"));
        assertThrows(IllegalArgumentException.class, () -> CertificatePin.parse("zz".repeat(32)));
    }
}
