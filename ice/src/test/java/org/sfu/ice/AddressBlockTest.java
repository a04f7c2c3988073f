package org.sfu.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AddressBlockTest {

    @Test
    void matchesByPrefix() {
        AddressBlock loopback = AddressBlock.parse("127.0.0.0/8");
        assertTrue(loopback.contains(IpLiteral.parse("127.0.0.1")));
        assertTrue(loopback.contains(IpLiteral.parse("127.255.1.2")));
        assertFalse(loopback.contains(IpLiteral.parse("128.0.0.1")));
        assertFalse(loopback.contains(IpLiteral.parse("::1")));

        AddressBlock odd = AddressBlock.parse("192.0.2.128/25");
        assertTrue(odd.contains(IpLiteral.parse("192.0.2.200")));
        assertFalse(odd.contains(IpLiteral.parse("192.0.2.127")));

        assertTrue(AddressBlock.parse("::1/128").contains(IpLiteral.parse("0:0:0:0:0:0:0:1")));
        assertTrue(AddressBlock.parse("0.0.0.0/0").contains(IpLiteral.parse("203.0.113.1")));
        assertTrue(AddressBlock.parse("10.0.0.7").contains(IpLiteral.parse("10.0.0.7")));
    }

    @Test
    void rejectsBadNetworksWithoutResolvingNames() {
        assertThrows(IllegalArgumentException.class, () -> AddressBlock.parse("localhost/8"));
        assertThrows(IllegalArgumentException.class, () -> AddressBlock.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> AddressBlock.parse("10.0.0.0/x"));
        assertThrows(IllegalArgumentException.class, () -> AddressBlock.parse("300.0.0.0/8"));
        assertNull(IpLiteral.parse("example.com"));
        assertNull(IpLiteral.parse("1.2.3"));
    }

    @Test
    void formatsIpv6AsRfc5952() {
        assertEquals("::1", IpLiteral.format(IpLiteral.parse("0:0:0:0:0:0:0:1")));
        assertEquals("::", IpLiteral.format(IpLiteral.parse("0:0:0:0:0:0:0:0")));
        assertEquals("1::", IpLiteral.format(IpLiteral.parse("1:0:0:0:0:0:0:0")));
        assertEquals("fd00::2", IpLiteral.format(IpLiteral.parse("FD00:0:0:0:0:0:0:2")));
        assertEquals("2001:db8:0:1::1", IpLiteral.format(IpLiteral.parse("2001:db8:0:1:0:0:0:1")));
        assertEquals("2001:db8::1:0:0:1", IpLiteral.format(IpLiteral.parse("2001:db8:0:0:1:0:0:1")));
        assertEquals("2001:db8:0:1:1:1:1:1", IpLiteral.format(IpLiteral.parse("2001:db8::1:1:1:1:1")));
        assertEquals("192.0.2.1", IpLiteral.format(IpLiteral.parse("192.0.2.1")));
        assertEquals("::1/128", AddressBlock.parse("::1/128").toString());
    }
}
