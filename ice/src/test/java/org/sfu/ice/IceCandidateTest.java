package org.sfu.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class IceCandidateTest {

    /** Candidate strings as Chromium and Firefox emit them (documentation addresses), and what they mean. */
    static Stream<Arguments> realCandidates() {
        return Stream.of(
                Arguments.of("candidate:3187123925 1 udp 2122260223 192.0.2.2 50012 typ host generation 0 ufrag aBcD"
                                + " network-id 1",
                        new IceCandidate("3187123925", 1, "udp", 2122260223L, "192.0.2.2", 50012, "host",
                                null, -1, null),
                        "candidate:3187123925 1 udp 2122260223 192.0.2.2 50012 typ host"),
                Arguments.of("a=candidate:1 1 tcp 1518280447 192.0.2.2 9 typ host tcptype active generation 0",
                        new IceCandidate("1", 1, "tcp", 1518280447L, "192.0.2.2", 9, "host", null, -1, "active"),
                        "candidate:1 1 tcp 1518280447 192.0.2.2 9 typ host tcptype active"),
                Arguments.of("candidate:842163049 1 udp 1686052607 198.51.100.7 61234 typ srflx raddr 192.0.2.2"
                                + " rport 50012 generation 0 ufrag aBcD network-id 1 network-cost 10",
                        new IceCandidate("842163049", 1, "udp", 1686052607L, "198.51.100.7", 61234, "srflx",
                                "192.0.2.2", 50012, null),
                        "candidate:842163049 1 udp 1686052607 198.51.100.7 61234 typ srflx raddr 192.0.2.2"
                                + " rport 50012"),
                Arguments.of("candidate:2468013579 1 udp 2113937151 3c5f1a2b-9d4e-4f60-8a71-0b2c3d4e5f60.local 54321"
                                + " typ host generation 0 ufrag aBcD network-cost 999",
                        new IceCandidate("2468013579", 1, "udp", 2113937151L,
                                "3c5f1a2b-9d4e-4f60-8a71-0b2c3d4e5f60.local", 54321, "host", null, -1, null),
                        "candidate:2468013579 1 udp 2113937151 3c5f1a2b-9d4e-4f60-8a71-0b2c3d4e5f60.local 54321"
                                + " typ host"),
                // Without any prefix, upper-case transport (Firefox), IPv6, relay.
                Arguments.of("0 1 UDP 8265471 2001:db8::5 3478 typ relay raddr 203.0.113.9 rport 50000",
                        new IceCandidate("0", 1, "udp", 8265471L, "2001:db8::5", 3478, "relay",
                                "203.0.113.9", 50000, null),
                        "candidate:0 1 udp 8265471 2001:db8::5 3478 typ relay raddr 203.0.113.9 rport 50000"),
                Arguments.of("candidate:abc+/ 1 tcp 1015023871 192.0.2.2 443 typ host tcptype passive",
                        new IceCandidate("abc+/", 1, "tcp", 1015023871L, "192.0.2.2", 443, "host", null, -1,
                                "passive"),
                        "candidate:abc+/ 1 tcp 1015023871 192.0.2.2 443 typ host tcptype passive"));
    }

    @ParameterizedTest
    @MethodSource("realCandidates")
    void parsesAndFormats(String line, IceCandidate expected, String sdpValue) {
        IceCandidate parsed = IceCandidate.parse(line);
        assertEquals(expected, parsed);
        assertEquals(sdpValue, parsed.toSdpValue());
        assertEquals(parsed, IceCandidate.parse("a=" + parsed.toSdpValue()), "round trip");
    }

    @Test
    void recognisesMdnsNames() {
        assertTrue(IceCandidate.parse("candidate:1 1 udp 2113937151 3c5f1a2b-9d4e.local 5000 typ host").isMdns());
        assertFalse(IceCandidate.parse("candidate:1 1 udp 2113937151 192.0.2.2 5000 typ host").isMdns());
    }

    @Test
    void hostCandidateHasNoRelatedAddress() {
        IceCandidate c = IceCandidate.udpHost("1", 2130706431L, "127.0.0.1", 10000);
        assertNull(c.relatedAddress());
        assertEquals("candidate:1 1 udp 2130706431 127.0.0.1 10000 typ host", c.toSdpValue());
    }

    /** Found by IceCandidateFuzzTest (its input found-rport-without-raddr): the rport was lost on the way back. */
    @Test
    void anRportWithoutRaddrIsWrittenBack() {
        IceCandidate c = IceCandidate.parse("candidate:842163049 1 udp 1686052607 198.51.100.7 61234 typ srflx"
                + " rrd da192.0.2.2 rport 50012 generation 0");
        assertNull(c.relatedAddress());
        assertEquals(50012, c.relatedPort());
        assertEquals("candidate:842163049 1 udp 1686052607 198.51.100.7 61234 typ srflx rport 50012", c.toSdpValue());
        assertEquals(c, IceCandidate.parse(c.toSdpValue()), "round trip");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "candidate:",
        "a=candidate:1 1 udp 2122260223 192.0.2.2 50012",                 // no typ
        "candidate:1 1 udp 2122260223 192.0.2.2 50012 type host",         // "type", not "typ"
        "candidate:1 1 udp 2122260223 192.0.2.2 50012 typ",               // typ without value
        "candidate:1 one udp 2122260223 192.0.2.2 50012 typ host",        // component not a number
        "candidate:1 0 udp 2122260223 192.0.2.2 50012 typ host",          // component 0
        "candidate:1 257 udp 2122260223 192.0.2.2 50012 typ host",        // component > 256
        "candidate:1 1 udp -5 192.0.2.2 50012 typ host",                  // negative priority
        "candidate:1 1 udp 4294967296 192.0.2.2 50012 typ host",          // priority > 2^32-1
        "candidate:1 1 udp 2122260223 192.0.2.2 65536 typ host",          // port out of range
        "candidate:1 1 udp 2122260223 192.0.2.2 port typ host",           // port not a number
        "candidate:1 1 sctp 2122260223 192.0.2.2 50012 typ host",         // unknown transport
        "candidate:1 1 udp 2122260223 192.0.2.2 50012 typ bogus",         // unknown type
        "candidate:1 1 udp 2122260223 192.0.2.2 50012 typ srflx raddr",   // extension without value
        "candidate:1 1 udp 2122260223 192.0.2.2 50012 typ srflx raddr 10.0.0.1 rport x",
        "candidate:1 1 tcp 2122260223 192.0.2.2 9 typ host tcptype sideways",
        "candidate:f@@ 1 udp 2122260223 192.0.2.2 50012 typ host",        // foundation not ice-chars
        "candidate:1 1 udp 2122260223 <script> 50012 typ host",           // address characters
        "hello world",
    })
    void rejectsGarbage(String line) {
        assertThrows(IllegalArgumentException.class, () -> IceCandidate.parse(line));
    }

    @Test
    void rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> IceCandidate.parse(null));
    }
}
