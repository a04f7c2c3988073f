package org.sfu.ice;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Asks a STUN server which address the server's packets come from (RFC 8489 Binding request, XOR-MAPPED-ADDRESS):
 * how a server behind a 1:1 NAT whose operator did not write its public address down finds it at start. Used once,
 * only when the operator configures a STUN server; nothing here runs by default.
 */
public final class StunAddressDiscovery {
    /** RFC 8489 §5: the magic cookie in every message since RFC 5389. */
    static final int MAGIC_COOKIE = 0x2112A442;
    static final int BINDING_REQUEST = 0x0001;
    static final int BINDING_SUCCESS = 0x0101;
    static final int XOR_MAPPED_ADDRESS = 0x0020;
    static final int MAPPED_ADDRESS = 0x0001;
    /** RFC 8489 §6.2.1: retransmit after 500 ms, doubling; a few tries are enough at start-up. */
    private static final int[] TIMEOUTS_MILLIS = {500, 1000, 2000};
    private static final SecureRandom RANDOM = new SecureRandom();

    private StunAddressDiscovery() {
    }

    /**
     * Sends Binding requests from {@code localAddress} (any port) to {@code stunServer} and returns the mapped
     * address of the first valid answer.
     *
     * @throws IOException when no valid answer comes after the retransmissions
     */
    public static InetAddress discover(InetAddress localAddress, InetSocketAddress stunServer) throws IOException {
        byte[] transaction = new byte[12];
        RANDOM.nextBytes(transaction);
        byte[] request = bindingRequest(transaction);
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(localAddress, 0))) {
            byte[] buf = new byte[1500];
            for (int timeout : TIMEOUTS_MILLIS) {
                socket.send(new DatagramPacket(request, request.length, stunServer));
                long deadline = System.nanoTime() + timeout * 1_000_000L;
                while (true) {
                    long left = (deadline - System.nanoTime()) / 1_000_000L;
                    if (left <= 0) {
                        break;
                    }
                    socket.setSoTimeout((int) left);
                    DatagramPacket response = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(response);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    if (!response.getSocketAddress().equals(stunServer)) {
                        continue; // only the server we asked may answer
                    }
                    InetSocketAddress mapped = mappedAddress(
                            Arrays.copyOfRange(buf, 0, response.getLength()), transaction);
                    if (mapped != null) {
                        return mapped.getAddress();
                    }
                }
            }
        }
        throw new IOException("no answer from STUN server " + stunServer + " after " + TIMEOUTS_MILLIS.length
                + " tries");
    }

    /** A Binding request with no attributes (RFC 8489 §6.1). */
    static byte[] bindingRequest(byte[] transaction) {
        byte[] m = new byte[20];
        m[0] = (byte) (BINDING_REQUEST >> 8);
        m[1] = (byte) BINDING_REQUEST;
        // Message length 0: no attributes.
        m[4] = (byte) (MAGIC_COOKIE >>> 24);
        m[5] = (byte) (MAGIC_COOKIE >>> 16);
        m[6] = (byte) (MAGIC_COOKIE >>> 8);
        m[7] = (byte) MAGIC_COOKIE;
        System.arraycopy(transaction, 0, m, 8, 12);
        return m;
    }

    /**
     * The XOR-MAPPED-ADDRESS (or, from pre-RFC 5389 servers, MAPPED-ADDRESS) of a Binding success response to this
     * transaction; null for anything else, including malformed messages.
     */
    static InetSocketAddress mappedAddress(byte[] m, byte[] transaction) {
        if (m.length < 20 || u16(m, 0) != BINDING_SUCCESS || u32(m, 4) != MAGIC_COOKIE
                || !Arrays.equals(Arrays.copyOfRange(m, 8, 20), transaction)) {
            return null;
        }
        int end = Math.min(m.length, 20 + u16(m, 2));
        InetSocketAddress plain = null;
        // RFC 8489 §14: type, length, value padded to 4 bytes.
        for (int at = 20; at + 4 <= end; ) {
            int type = u16(m, at);
            int length = u16(m, at + 2);
            int value = at + 4;
            if (value + length > end) {
                return null;
            }
            if (type == XOR_MAPPED_ADDRESS) {
                return address(m, value, length, transaction, true);
            }
            if (type == MAPPED_ADDRESS) {
                plain = address(m, value, length, transaction, false);
            }
            at = value + ((length + 3) & ~3);
        }
        return plain;
    }

    /** RFC 8489 §14.1–14.2: family 1 (IPv4) or 2 (IPv6), port, address; XORed with the cookie and transaction. */
    private static InetSocketAddress address(byte[] m, int at, int length, byte[] transaction, boolean xor) {
        if (length < 8) {
            return null;
        }
        int family = m[at + 1] & 0xff;
        int size = family == 1 ? 4 : family == 2 ? 16 : -1;
        if (size < 0 || length < 4 + size) {
            return null;
        }
        int port = u16(m, at + 2) ^ (xor ? MAGIC_COOKIE >>> 16 : 0);
        byte[] mask = new byte[16];
        if (xor) {
            mask[0] = (byte) (MAGIC_COOKIE >>> 24);
            mask[1] = (byte) (MAGIC_COOKIE >>> 16);
            mask[2] = (byte) (MAGIC_COOKIE >>> 8);
            mask[3] = (byte) MAGIC_COOKIE;
            System.arraycopy(transaction, 0, mask, 4, 12);
        }
        byte[] raw = new byte[size];
        for (int i = 0; i < size; i++) {
            raw[i] = (byte) (m[at + 4 + i] ^ mask[i]);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(raw), port);
        } catch (IOException e) {
            return null;
        }
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    private static int u32(byte[] b, int at) {
        return (u16(b, at) << 16) | u16(b, at + 2);
    }
}
