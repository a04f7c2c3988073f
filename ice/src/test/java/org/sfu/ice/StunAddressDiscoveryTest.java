package org.sfu.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class StunAddressDiscoveryTest {

    /** RFC 5769 §2.2, "Sample IPv4 Response": XOR-MAPPED-ADDRESS 192.0.2.1 port 32853. */
    private static final byte[] RFC5769_IPV4_RESPONSE = HexFormat.of().parseHex(
            "0101003c2112a442b7e7a701bc34d686fa87dfae"
                    + "8022000b7465737420766563746f7220"
                    + "002000080001a147e112a643"
                    + "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7"
                    + "80280004c07d4c96");
    private static final byte[] RFC5769_TRANSACTION = HexFormat.of().parseHex("b7e7a701bc34d686fa87dfae");

    @Test
    void readsTheXorMappedAddressOfTheRfc5769SampleResponse() throws Exception {
        InetSocketAddress mapped = StunAddressDiscovery.mappedAddress(RFC5769_IPV4_RESPONSE, RFC5769_TRANSACTION);

        assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853), mapped);
    }

    @Test
    void refusesAnswersToOtherTransactionsAndMalformedOnes() {
        byte[] otherTransaction = RFC5769_TRANSACTION.clone();
        otherTransaction[0] ^= 1;
        assertNull(StunAddressDiscovery.mappedAddress(RFC5769_IPV4_RESPONSE, otherTransaction));
        assertNull(StunAddressDiscovery.mappedAddress(Arrays.copyOf(RFC5769_IPV4_RESPONSE, 19), RFC5769_TRANSACTION));
        byte[] overlong = RFC5769_IPV4_RESPONSE.clone();
        overlong[23] = (byte) 0xff; // SOFTWARE claims to run past the end
        assertNull(StunAddressDiscovery.mappedAddress(overlong, RFC5769_TRANSACTION));
        byte[] request = StunAddressDiscovery.bindingRequest(RFC5769_TRANSACTION);
        assertNull(StunAddressDiscovery.mappedAddress(request, RFC5769_TRANSACTION), "a request is no answer");
    }

    /** A STUN server on loopback that says every client is at 203.0.113.7 (a 1:1 NAT's public address). */
    @Test
    void discoversThePublicAddressFromAStunServer() throws Exception {
        try (DatagramSocket stun = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Thread server = new Thread(() -> answerOnce(stun, "cb007107"));
            server.start();
            InetAddress found = StunAddressDiscovery.discover(InetAddress.getLoopbackAddress(),
                    (InetSocketAddress) stun.getLocalSocketAddress());
            server.join(5000);
            assertEquals(InetAddress.getByName("203.0.113.7"), found);
        }
    }

    @Test
    void aSilentStunServerIsAnError() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            assertThrows(IOException.class, () -> StunAddressDiscovery.discover(InetAddress.getLoopbackAddress(),
                    (InetSocketAddress) silent.getLocalSocketAddress()));
        }
    }

    /** Answers one Binding request with an XOR-MAPPED-ADDRESS of the given IPv4 address (hex, unmasked). */
    private static void answerOnce(DatagramSocket socket, String ipv4Hex) {
        try {
            byte[] buf = new byte[1500];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.receive(p);
            byte[] transaction = Arrays.copyOfRange(buf, 8, 20);
            byte[] address = HexFormat.of().parseHex(ipv4Hex);
            byte[] cookie = HexFormat.of().parseHex("2112a442");
            byte[] response = new byte[32];
            response[0] = 0x01;
            response[1] = 0x01;
            response[3] = 12;
            System.arraycopy(cookie, 0, response, 4, 4);
            System.arraycopy(transaction, 0, response, 8, 12);
            response[21] = 0x20;
            response[23] = 8;
            response[25] = 1;
            int port = 40000 ^ 0x2112;
            response[26] = (byte) (port >> 8);
            response[27] = (byte) port;
            for (int i = 0; i < 4; i++) {
                response[28 + i] = (byte) (address[i] ^ cookie[i]);
            }
            socket.send(new DatagramPacket(response, response.length, p.getSocketAddress()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
