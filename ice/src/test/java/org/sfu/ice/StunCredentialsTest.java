package org.sfu.ice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server's controlled ICE agent answers a browser's connectivity check only when it is signed with the server's
 * short-term credentials. The check is built here byte by byte, as RFC 5389 and RFC 8445 §7.1.2 describe it, and
 * sent from a plain UDP socket: given this Binding request, when it arrives, then this response (or none) comes back.
 */
class StunCredentialsTest {

    // RFC 5389 §6, §18.2; RFC 8445 §16.1
    private static final int MAGIC_COOKIE = 0x2112A442;
    private static final int BINDING_REQUEST = 0x0001;
    private static final int BINDING_SUCCESS = 0x0101;
    private static final int BINDING_ERROR = 0x0111;
    private static final int USERNAME = 0x0006;
    private static final int MESSAGE_INTEGRITY = 0x0008;
    private static final int ERROR_CODE = 0x0009;
    private static final int XOR_MAPPED_ADDRESS = 0x0020;
    private static final int PRIORITY = 0x0024;
    private static final int FINGERPRINT = 0x8028;
    private static final int ICE_CONTROLLING = 0x802A;
    private static final int FINGERPRINT_XOR = 0x5354554e;

    private static final String CLIENT_UFRAG = "brws";
    private static final String CLIENT_PWD = "browserPasswordOf24Char";
    /** The browser's credentials after its ICE restart. */
    private static final String NEW_CLIENT_UFRAG = "rstr";
    private static final String NEW_CLIENT_PWD = "restartedPasswordOf24Ch";
    /** RFC 8445 §5.1.2.1 for a peer-reflexive candidate of a browser: type preference 110. */
    private static final long CLIENT_PRIORITY = (110L << 24) + (65535L << 8) + 255;
    /** How long to wait for a response that should come; also how long silence must last. */
    private static final int DEADLINE_MILLIS = 1000;

    private final SecureRandom random = new SecureRandom();
    private IceEndpoint endpoint;
    private IceTransport server;
    private final ConcurrentLinkedQueue<byte[]> deliveredToServer = new ConcurrentLinkedQueue<>();
    private final List<DatagramSocket> sockets = new ArrayList<>();

    @BeforeEach
    void startServerAgent() throws Exception {
        endpoint = IceEndpoint.open(new IceEndpoint.Options(InetAddress.getByName("127.0.0.1"), 0, List.of(),
                List.of("127.0.0.0/8")));
        server = serverAgent("participant");
        // What the browser's offer told the server; its candidates are hidden (mDNS), so none are signalled.
        server.setRemoteCredentials(CLIENT_UFRAG, CLIENT_PWD);
        server.start();
    }

    /** A controlled agent on the endpoint whose DTLS/RTP datagrams are kept in deliveredToServer. */
    private IceTransport serverAgent(String name) {
        return endpoint.createTransport(name, new IceTransport.Listener() {
            @Override
            public void onConnected(InetSocketAddress remote) {
            }

            @Override
            public void onFailed(String reason) {
            }

            @Override
            public void onPacket(byte[] buf, int offset, int length) {
                deliveredToServer.add(Arrays.copyOfRange(buf, offset, offset + length));
            }
        });
    }

    @AfterEach
    void close() {
        sockets.forEach(DatagramSocket::close);
        endpoint.close();
    }

    @Test
    void aCheckSignedWithTheServersPasswordGetsABindingSuccessWithTheMappedAddress() throws Exception {
        DatagramSocket browser = socket();
        byte[] transactionId = transactionId();
        byte[] request = bindingRequest(transactionId, server.localUfrag() + ":" + CLIENT_UFRAG,
                server.localPassword());

        send(browser, request);

        StunMessage response = awaitResponse(browser, transactionId);
        assertNotNull(response, "no response to a correctly signed Binding request");
        assertEquals(BINDING_SUCCESS, response.type(), "Binding success response (RFC 5389 §7.3.1)");
        assertArrayEquals(transactionId, response.transactionId());
        assertEquals(browser.getLocalSocketAddress(), response.xorMappedAddress(),
                "RFC 5389 §15.2: the source address the server saw");
        assertTrue(response.integrityValid(server.localPassword()),
                "RFC 8445 §7.3.1.5: the response is signed with the same password");
        assertTrue(response.fingerprintValid(), "RFC 8445 §7.3: FINGERPRINT on every ICE STUN message");
        assertTrue(deliveredToServer.isEmpty(), "STUN is answered by the agent, never handed to DTLS or SRTP");
    }

    @Test
    void aCheckSignedWithAnotherPasswordGetsNoSuccess() throws Exception {
        DatagramSocket browser = socket();
        byte[] transactionId = transactionId();
        byte[] request = bindingRequest(transactionId, server.localUfrag() + ":" + CLIENT_UFRAG,
                "notTheServersPassword0123");

        send(browser, request);

        StunMessage response = awaitResponse(browser, transactionId);
        if (response != null) {
            assertEquals(BINDING_ERROR, response.type(), "RFC 5389 §10.1.2: an error response, not a success");
            assertEquals(401, response.errorCode(), "RFC 5389 §10.1.2: 401 Unauthorized");
        }
        assertTrue(deliveredToServer.isEmpty());
    }

    @Test
    void aCheckSignedWithTheClientsOwnPasswordGetsNoSuccess() throws Exception {
        // RFC 8445 §7.2.2: a request is signed with the password of the agent it is sent to, never the sender's own.
        DatagramSocket browser = socket();
        byte[] transactionId = transactionId();

        send(browser, bindingRequest(transactionId, server.localUfrag() + ":" + CLIENT_UFRAG, CLIENT_PWD));

        StunMessage response = awaitResponse(browser, transactionId);
        if (response != null) {
            assertEquals(BINDING_ERROR, response.type());
            assertEquals(401, response.errorCode());
        }
    }

    @Test
    void aCheckForAnUnknownUfragGetsNoSuccess() throws Exception {
        DatagramSocket browser = socket();
        byte[] transactionId = transactionId();
        String unknownUfrag = server.localUfrag().equals("zzzz") ? "yyyy" : "zzzz";

        send(browser, bindingRequest(transactionId, unknownUfrag + ":" + CLIENT_UFRAG, server.localPassword()));

        StunMessage response = awaitResponse(browser, transactionId);
        if (response != null) {
            assertEquals(BINDING_ERROR, response.type(), "an unknown ufrag is not a success");
        }
    }

    @Test
    void aCheckWithACorruptFingerprintIsIgnored() throws Exception {
        DatagramSocket browser = socket();
        byte[] transactionId = transactionId();
        byte[] request = bindingRequest(transactionId, server.localUfrag() + ":" + CLIENT_UFRAG,
                server.localPassword());
        request[request.length - 1] ^= 0x01;

        send(browser, request);

        // RFC 5389 §7.3: a message whose FINGERPRINT does not verify is not STUN; it is discarded.
        StunMessage response = awaitResponse(browser, transactionId);
        if (response != null) {
            assertEquals(BINDING_ERROR, response.type(), "a corrupt check is never answered with success");
        }
    }

    @Test
    void aLaterCorrectlySignedCheckFromTheSameAddressStillSucceeds() throws Exception {
        DatagramSocket browser = socket();
        byte[] wrongId = transactionId();
        send(browser, bindingRequest(wrongId, server.localUfrag() + ":" + CLIENT_UFRAG, "notTheServersPassword0123"));
        StunMessage refused = awaitResponse(browser, wrongId);
        assertTrue(refused == null || refused.type() == BINDING_ERROR);

        byte[] rightId = transactionId();
        send(browser, bindingRequest(rightId, server.localUfrag() + ":" + CLIENT_UFRAG, server.localPassword()));

        StunMessage response = awaitResponse(browser, rightId);
        assertNotNull(response, "a failed check must not lock the address out");
        assertEquals(BINDING_SUCCESS, response.type());
        assertEquals(browser.getLocalSocketAddress(), response.xorMappedAddress());
    }

    /**
     * RFC 8445 §9, as Chromium does an ICE restart: its new sockets are paired with the old remote credentials until
     * the server's answer arrives, so a new socket's first check can name the old agent, a moment before or after
     * the restart reaches the server. Its later checks, for the new agent, must reach the new agent. (That the old
     * agent keeps its selected path meanwhile is seen end to end in the browser tests of ICE restarts.)
     */
    @ParameterizedTest(name = "the restart reaches the server {0} the early check")
    @ValueSource(strings = {"before", "after"})
    void afterAnIceRestartANewSocketReachesTheNewAgentEvenIfItsFirstCheckNamedTheOldOne(String order)
            throws Exception {
        IceTransport restarted = serverAgent("participant/1");
        restarted.setRemoteCredentials(NEW_CLIENT_UFRAG, NEW_CLIENT_PWD);
        restarted.start();
        if (order.equals("before")) {
            server.refuseNewRemoteAddresses();
        }
        DatagramSocket newSocket = socket();
        byte[] early = transactionId();
        send(newSocket, bindingRequest(early, server.localUfrag() + ":" + NEW_CLIENT_UFRAG, server.localPassword()));
        StunMessage earlyResponse = awaitResponse(newSocket, early);
        if (order.equals("before")) {
            assertEquals(null, earlyResponse, "the superseded agent takes no new address");
        } else {
            server.refuseNewRemoteAddresses();
        }

        byte[] check = transactionId();
        send(newSocket, bindingRequest(check, restarted.localUfrag() + ":" + NEW_CLIENT_UFRAG,
                restarted.localPassword()));
        StunMessage response = awaitResponse(newSocket, check);
        assertNotNull(response, "the new agent's check from that socket must reach the new agent");
        assertEquals(BINDING_SUCCESS, response.type());
        assertTrue(response.integrityValid(restarted.localPassword()), "answered by the new agent");
    }

    @Test
    void theEncoderReproducesTheRfc5769SampleRequest() throws Exception {
        // RFC 5769 §2.1: the sample request, byte for byte, including its HMAC and CRC. The sample pads USERNAME with
        // spaces (padding content is arbitrary, RFC 5389 §15), so the same padding is used here.
        byte[] transactionId = hex("b7e7a701bc34d686fa87dfae");
        ByteArrayOutputStream attributes = new ByteArrayOutputStream();
        attribute(attributes, 0x8022, "STUN test client".getBytes(StandardCharsets.US_ASCII), 0x20); // SOFTWARE
        attribute(attributes, PRIORITY, hex("6e0001ff"), 0x20);
        attribute(attributes, 0x8029, hex("932ff9b151263b36"), 0x20); // ICE-CONTROLLED
        attribute(attributes, USERNAME, "evtj:h6vY".getBytes(StandardCharsets.UTF_8), 0x20);

        byte[] message = signAndFingerprint(BINDING_REQUEST, transactionId, attributes.toByteArray(),
                "VOkJxbRl1RmTxUk/WvJxBt");

        assertArrayEquals(hex("000100582112a442b7e7a701bc34d686fa87dfae"
                + "802200105354554e207465737420636c69656e74"
                + "002400046e0001ff"
                + "80290008932ff9b151263b36"
                + "000600096576746a3a68367659202020"
                + "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
                + "80280004e57a3bcf"), message);
        StunMessage parsed = StunMessage.parse(message);
        assertTrue(parsed.integrityValid("VOkJxbRl1RmTxUk/WvJxBt"));
        assertTrue(parsed.fingerprintValid());
    }

    // ---- the check, byte by byte ----

    /**
     * RFC 8445 §7.1.2: USERNAME "<receiver ufrag>:<sender ufrag>", PRIORITY, ICE-CONTROLLING with a random
     * tie-breaker; then MESSAGE-INTEGRITY keyed with the receiver's password (RFC 5389 §15.4, short-term
     * credentials: the key is the password itself) and FINGERPRINT (§15.5).
     */
    private byte[] bindingRequest(byte[] transactionId, String username, String password) throws Exception {
        ByteArrayOutputStream attributes = new ByteArrayOutputStream();
        attribute(attributes, USERNAME, username.getBytes(StandardCharsets.UTF_8));
        attribute(attributes, PRIORITY, ByteBuffer.allocate(4).putInt((int) CLIENT_PRIORITY).array());
        byte[] tieBreaker = new byte[8];
        random.nextBytes(tieBreaker);
        attribute(attributes, ICE_CONTROLLING, tieBreaker);
        return signAndFingerprint(BINDING_REQUEST, transactionId, attributes.toByteArray(), password);
    }

    private static byte[] signAndFingerprint(int type, byte[] transactionId, byte[] attributes, String password)
            throws GeneralSecurityException {
        // §15.4: the HMAC covers everything before MESSAGE-INTEGRITY, with the header length already counting it.
        byte[] beforeIntegrity = message(type, transactionId, attributes, attributes.length + 24);
        byte[] hmac = hmacSha1(password, beforeIntegrity);
        ByteArrayOutputStream withIntegrity = new ByteArrayOutputStream();
        withIntegrity.writeBytes(attributes);
        attribute(withIntegrity, MESSAGE_INTEGRITY, hmac);
        byte[] signed = withIntegrity.toByteArray();
        // §15.5: CRC-32 of everything before FINGERPRINT, the length counting it, XOR 0x5354554e.
        byte[] beforeFingerprint = message(type, transactionId, signed, signed.length + 8);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(signed);
        attribute(all, FINGERPRINT, ByteBuffer.allocate(4).putInt(crc32(beforeFingerprint) ^ FINGERPRINT_XOR).array());
        byte[] body = all.toByteArray();
        return message(type, transactionId, body, body.length);
    }

    /** RFC 5389 §6: type, length (of what follows the 20-byte header), magic cookie, 96-bit transaction id. */
    private static byte[] message(int type, byte[] transactionId, byte[] attributes, int declaredLength) {
        ByteBuffer b = ByteBuffer.allocate(20 + attributes.length);
        b.putShort((short) type).putShort((short) declaredLength).putInt(MAGIC_COOKIE).put(transactionId).put(attributes);
        return b.array();
    }

    /** RFC 5389 §15: type, length of the value, the value, zero padding to a multiple of 4. */
    private static void attribute(ByteArrayOutputStream out, int type, byte[] value) {
        attribute(out, type, value, 0);
    }

    private static void attribute(ByteArrayOutputStream out, int type, byte[] value, int padding) {
        out.write(type >> 8);
        out.write(type);
        out.write(value.length >> 8);
        out.write(value.length);
        out.writeBytes(value);
        for (int i = value.length; i % 4 != 0; i++) {
            out.write(padding);
        }
    }

    private static byte[] hmacSha1(String password, byte[] data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        return mac.doFinal(data);
    }

    private static int crc32(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return (int) crc.getValue();
    }

    // ---- the response ----

    /** A received STUN message: enough of RFC 5389 §6 and §15 to check what the server sent. */
    private record StunMessage(int type, byte[] transactionId, byte[] raw) {

        static StunMessage parse(byte[] raw) {
            ByteBuffer b = ByteBuffer.wrap(raw);
            if (raw.length < 20 || (raw[0] & 0xC0) != 0 || b.getInt(4) != MAGIC_COOKIE
                    || (b.getShort(2) & 0xFFFF) != raw.length - 20) {
                return null;
            }
            return new StunMessage(b.getShort(0) & 0xFFFF, Arrays.copyOfRange(raw, 8, 20), raw);
        }

        boolean isResponse() {
            return (type & 0x0110) == 0x0100 || (type & 0x0110) == 0x0110;
        }

        /** Offset of the first attribute of this type, or -1. */
        int find(int attributeType) {
            int pos = 20;
            while (pos + 4 <= raw.length) {
                int t = ((raw[pos] & 0xFF) << 8) | (raw[pos + 1] & 0xFF);
                int len = ((raw[pos + 2] & 0xFF) << 8) | (raw[pos + 3] & 0xFF);
                if (t == attributeType) {
                    return pos;
                }
                pos += 4 + ((len + 3) & ~3);
            }
            return -1;
        }

        /** §15.2: the port XOR the cookie's top 16 bits, the IPv4 address XOR the cookie. */
        InetSocketAddress xorMappedAddress() throws Exception {
            int at = find(XOR_MAPPED_ADDRESS);
            assertTrue(at >= 0, "no XOR-MAPPED-ADDRESS");
            ByteBuffer b = ByteBuffer.wrap(raw);
            assertEquals(0x01, raw[at + 5], "IPv4 family");
            int port = (b.getShort(at + 6) & 0xFFFF) ^ (MAGIC_COOKIE >>> 16);
            int address = b.getInt(at + 8) ^ MAGIC_COOKIE;
            return new InetSocketAddress(InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(address).array()), port);
        }

        /** §15.6: class * 100 + number. */
        int errorCode() {
            int at = find(ERROR_CODE);
            assertTrue(at >= 0, "no ERROR-CODE");
            return (raw[at + 6] & 0x07) * 100 + (raw[at + 7] & 0xFF);
        }

        boolean integrityValid(String password) throws GeneralSecurityException {
            int at = find(MESSAGE_INTEGRITY);
            if (at < 0) {
                return false;
            }
            byte[] covered = Arrays.copyOf(raw, at);
            int length = at + 24 - 20;
            covered[2] = (byte) (length >> 8);
            covered[3] = (byte) length;
            return Arrays.equals(hmacSha1(password, covered), Arrays.copyOfRange(raw, at + 4, at + 24));
        }

        boolean fingerprintValid() {
            int at = find(FINGERPRINT);
            if (at < 0 || at + 8 != raw.length) {
                return false;
            }
            return (crc32(Arrays.copyOf(raw, at)) ^ FINGERPRINT_XOR) == ByteBuffer.wrap(raw).getInt(at + 4);
        }
    }

    // ---- the wire ----

    private DatagramSocket socket() throws Exception {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        sockets.add(s);
        return s;
    }

    private void send(DatagramSocket from, byte[] message) throws Exception {
        from.send(new DatagramPacket(message, message.length,
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), endpoint.udpPort())));
    }

    /**
     * The response to this transaction, or null when none arrives before the deadline. The server's own checks
     * (requests it sends back, RFC 8445 §7.3.1.4 triggered checks) and other transactions are skipped.
     */
    private static StunMessage awaitResponse(DatagramSocket socket, byte[] transactionId) throws Exception {
        long deadline = System.nanoTime() + DEADLINE_MILLIS * 1_000_000L;
        byte[] buf = new byte[1500];
        while (true) {
            long remainingMillis = (deadline - System.nanoTime()) / 1_000_000L;
            if (remainingMillis <= 0) {
                return null;
            }
            socket.setSoTimeout((int) remainingMillis);
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            StunMessage m = StunMessage.parse(Arrays.copyOf(p.getData(), p.getLength()));
            if (m != null && m.isResponse() && Arrays.equals(transactionId, m.transactionId())) {
                return m;
            }
        }
    }

    private byte[] transactionId() {
        byte[] id = new byte[12];
        random.nextBytes(id);
        return id;
    }

    private static byte[] hex(String s) {
        return java.util.HexFormat.of().parseHex(s);
    }
}
