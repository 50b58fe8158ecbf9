package io.kfrelay.security;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Spec: per-address limits count an IPv4 address as itself, an IPv6 address by its /64, a mapped IPv4 as IPv4. */
class AddressKeyTest {

    private static long key(String literal) throws UnknownHostException {
        return AddressKey.of(InetAddress.getByName(literal));
    }

    @Test
    void twoAddressesInOneIpv6Slash64ShareAKey() throws Exception {
        assertEquals(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assertEquals(key("2001:db8:1:2::1"), key("2001:db8:1:2:a1b2:c3d4:e5f6:789"), "a privacy address of the same host");
        assertEquals(0x2001_0db8_0001_0002L, key("2001:db8:1:2::1"), "the key is the prefix itself");
    }

    @Test
    void differentSlash64sDoNot() throws Exception {
        assertNotEquals(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"), "the neighbouring /64");
        assertNotEquals(key("2001:db8:1:2::1"), key("2001:db9:1:2::1"));
        assertNotEquals(key("fe80::1"), key("fe81::1"));
    }

    @Test
    void ipv4StaysPerAddress() throws Exception {
        assertNotEquals(key("192.0.2.1"), key("192.0.2.2"));
        assertNotEquals(key("127.0.0.1"), key("127.0.0.2"), "the loopback addresses the attack tests come from");
        assertEquals(key("192.0.2.1"), key("192.0.2.1"));
    }

    @Test
    void anIpv4MappedAddressCountsAsItsIpv4Address() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 1};
        // getByAddress(String, byte[], int) keeps the IPv6 form (InetAddress.getByAddress would turn it into IPv4).
        Inet6Address v6 = assertInstanceOf(Inet6Address.class, Inet6Address.getByAddress(null, mapped, -1));
        assertEquals(key("192.0.2.1"), AddressKey.of(v6));
        assertEquals(key("192.0.2.1"), key("::ffff:192.0.2.1"));
        mapped[15] = 2;
        assertNotEquals(key("192.0.2.1"), AddressKey.of(Inet6Address.getByAddress(null, mapped, -1)));
    }

    @Test
    void theFamiliesDoNotMeet() throws Exception {
        assertNotEquals(key("0.0.0.1"), key("::1"));
        assertNotEquals(key("0.0.0.0"), key("::"));
        assertNotEquals(key("192.0.2.1"), key("::192.0.2.1"), "a (deprecated) IPv4-compatible address is IPv6");
        assertEquals(AddressKey.IPV4 | 0xC000_0201L, key("192.0.2.1"), "an IPv4 key is the low half of its mapped form");
    }
}
