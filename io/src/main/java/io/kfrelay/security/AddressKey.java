package io.kfrelay.security;

import java.net.InetAddress;

/**
 * The key the per-address limits ({@link AddressJoinLimiter}, {@link PendingConnections}) count a peer under:
 * an IPv4 address is its own key; an IPv6 address counts by its /64 prefix; an IPv4-mapped IPv6 address
 * ({@code ::ffff:a.b.c.d}, what a dual-stack socket may report for an IPv4 peer) counts as that IPv4 address.
 *
 * <p>Why the /64: an IPv6 host is routinely handed a whole /64 (SLAAC, privacy addresses) and can send from any of
 * its 2^64 addresses, so a limit per full address would limit nothing. A /64 is the smallest block one subscriber
 * normally holds; a coarser key (/56, /48) would put unrelated customers of one provider into one bucket.
 *
 * <p>The key is a {@code long}: the upper 64 bits of an IPv6 address, or for IPv4 the lower 64 bits of its
 * IPv4-mapped form, {@code 0x0000_FFFF_aabb_ccdd}. Read as an IPv6 prefix that is {@code 0:ffff:aabb:ccdd::/64},
 * inside {@code 0000::/8}, which IANA reserves and no peer sends from, so the two families do not meet.
 * Computing it copies the address once (4 or 16 bytes, {@link InetAddress#getAddress()}); the gate does that
 * once per connection, never per message.
 */
final class AddressKey {
    /** The upper 32 bits of an IPv4 key: the {@code ::ffff:0:0/96} marker of IPv4-mapped addresses. */
    static final long IPV4 = 0x0000_FFFFL << 32;

    private AddressKey() {
    }

    /** The key {@code address} is counted under. */
    static long of(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return IPV4 | readInt(b, 0);
        }
        if (isIpv4Mapped(b)) {
            return IPV4 | readInt(b, 12);
        }
        return readInt(b, 0) << 32 | readInt(b, 4);
    }

    /** {@code ::ffff:a.b.c.d}: ten zero bytes, two 0xff bytes, the IPv4 address. */
    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    /** Four bytes big-endian, as an unsigned value. */
    private static long readInt(byte[] b, int at) {
        return (b[at] & 0xFFL) << 24 | (b[at + 1] & 0xFFL) << 16 | (b[at + 2] & 0xFFL) << 8 | (b[at + 3] & 0xFFL);
    }
}
