package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * What the per-address limits count a connection under: IPv4 addresses as they are, IPv6 addresses by their /64, an
 * IPv4-mapped IPv6 address as its IPv4 address. (InetAddress objects made here send nothing anywhere.)
 */
class SourceAddressTest {

    @Test
    void anIpv4AddressIsItsOwnSource() throws Exception {
        SourceAddress a = SourceAddress.of(InetAddress.getByName("192.0.2.7"));
        assertEquals("192.0.2.7", a.toString());
        assertEquals(a, SourceAddress.ofLiteral("192.0.2.7"));
        assertNotEquals(a, SourceAddress.ofLiteral("192.0.2.8"), "the next IPv4 address is another source");
    }

    @Test
    void ipv6AddressesOfOneSlash64AreOneSource() throws Exception {
        SourceAddress a = SourceAddress.of(InetAddress.getByName("2001:db8:1:2::5"));
        SourceAddress b = SourceAddress.of(InetAddress.getByName("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        assertEquals(a, b, "a privacy address of the same host, or another host of the same subscriber");
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals("2001:db8:1:2::/64", a.toString(), "RFC 5952 text with the prefix length");

        assertNotEquals(a, SourceAddress.ofLiteral("2001:db8:1:3::5"), "the next /64 is another source");
        assertNotEquals(a, SourceAddress.ofLiteral("2001:db8:2:2::5"));
        assertEquals("2001:db8::/64", SourceAddress.ofLiteral("2001:db8:0:0:1::1").toString(),
                "zeros in the prefix compress with the zeroed interface identifier");
    }

    @Test
    void anIpv4MappedIpv6AddressIsItsIpv4Address() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 7};
        // As a dual-stack socket may report an IPv4 peer: an Inet6Address holding the mapped form.
        InetAddress asIpv6 = Inet6Address.getByAddress(null, mapped, -1);
        SourceAddress ipv4 = SourceAddress.of(InetAddress.getByName("192.0.2.7"));

        assertEquals(ipv4, SourceAddress.of(asIpv6));
        assertEquals(ipv4, SourceAddress.ofLiteral("::ffff:192.0.2.7"));
        assertEquals("192.0.2.7", SourceAddress.of(asIpv6).toString());
        assertNotEquals(ipv4, SourceAddress.ofLiteral("::ffff:192.0.2.8"));
    }

    @Test
    void ipv6LoopbackIsOneHostNotASlash64() throws Exception {
        SourceAddress loopback = SourceAddress.of(InetAddress.getByName("::1"));
        assertEquals("::1", loopback.toString());
        assertEquals(loopback, SourceAddress.ofLiteral("::1"));
        assertNotEquals(loopback, SourceAddress.ofLiteral("::2"));
        assertNotEquals(loopback, SourceAddress.ofLiteral("127.0.0.1"), "IPv4 loopback is another source");
    }

    @Test
    void linkLocalSourcesShareTheirSlash64WhateverTheirZone() throws Exception {
        byte[] one = InetAddress.getByName("fe80::1").getAddress();
        byte[] two = InetAddress.getByName("fe80::2").getAddress();
        SourceAddress a = SourceAddress.of(Inet6Address.getByAddress(null, one, 1));
        SourceAddress b = SourceAddress.of(Inet6Address.getByAddress(null, two, 2));
        assertEquals(a, b);
        assertEquals("fe80::/64", a.toString());
    }

    @Test
    void aNameIsNoSourceAddressAndIsNeverLookedUp() {
        assertNull(SourceAddress.ofLiteral("localhost"));
        assertNull(SourceAddress.ofLiteral("unknown"));
        assertNull(SourceAddress.ofLiteral(""));
        assertNull(SourceAddress.ofLiteral(null));
    }
}
