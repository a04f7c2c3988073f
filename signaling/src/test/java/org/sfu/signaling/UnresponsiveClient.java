package org.sfu.signaling;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * A WebSocket client (RFC 6455) written by hand so that it can do what no library lets it: stop reading, and so never
 * answer a ping nor take what the server writes, as a phone whose app froze or whose network vanished without a FIN.
 * It reads the server's first messages while it is still "alive", then only writes, or nothing at all.
 */
final class UnresponsiveClient implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SSLSocket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private UnresponsiveClient(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Opens wss://127.0.0.1:port + uri with a small receive buffer, so that unread data backs up at the server. */
    static UnresponsiveClient connect(int port, String uri) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new TrustTheTestServer()}, null);
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(10_000);
        UnresponsiveClient c = new UnresponsiveClient(socket);
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        c.out.write(("GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + java.util.Base64.getEncoder().encodeToString(key)
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        c.out.flush();
        String status = c.readHeaders();
        if (!status.startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("upgrade refused: " + status);
        }
        return c;
    }

    private String readHeaders() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed during the upgrade");
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    /** Reads the server's next {@code count} text messages (pings and other control frames are skipped). */
    List<String> readTexts(int count) throws IOException {
        List<String> texts = new ArrayList<>();
        while (texts.size() < count) {
            int first = in.readUnsignedByte();
            int second = in.readUnsignedByte();
            long length = second & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            if ((first & 0x0f) == 1) {
                texts.add(new String(payload, StandardCharsets.UTF_8));
            }
        }
        return texts;
    }

    /** Writes a text frame {@code times} over in one write. */
    void sendTexts(String text, int times) throws IOException {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (int i = 0; i < times; i++) {
            frame(text, frames);
        }
        out.write(frames.toByteArray());
        out.flush();
    }

    /** Writes a text frame. */
    void sendText(String text) throws IOException {
        sendTexts(text, 1);
    }

    /** A text frame, masked as a client's must be (RFC 6455 §5.3). */
    private static void frame(String text, ByteArrayOutputStream frame) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length & 0xff);
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
