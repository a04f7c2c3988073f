package org.sfu.signaling;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * An HTTPS connection to a test server on 127.0.0.1 written byte by byte, for tests of what the server does to a
 * connection that says little or nothing: no HTTP client library keeps a connection idle on purpose.
 */
final class RawHttpsConnection {
    private RawHttpsConnection() {
    }

    /**
     * A TLS connection to {@code port}, its handshake done, added with its TCP socket to {@code opened} (for the test to
     * close). Reads
     * block at most {@code readTimeoutMillis}: a server that holds a connection it should close fails the test.
     */
    static SSLSocket open(int port, List<Socket> opened, int readTimeoutMillis) throws Exception {
        Socket s = new Socket();
        opened.add(s);
        s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5_000);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new TrustTheTestServer()}, null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(s, "127.0.0.1", port, true);
        // Reachable until the test closes it: JDK 17's SSL socket closes itself and the socket under it when finalized.
        opened.add(socket);
        socket.setSoTimeout(readTimeoutMillis);
        socket.startHandshake();
        return socket;
    }

    /**
     * -1 once the server closes the connection: the read blocks until then (TLS close_notify, or the TCP close or reset
     * without it); a read timeout (the server holds the connection) is thrown.
     */
    static int readUntilClosed(SSLSocket s) throws IOException {
        try {
            return s.getInputStream().read();
        } catch (java.net.SocketTimeoutException held) {
            throw held;
        } catch (IOException closed) {
            return -1;
        }
    }

    /** GET /health on a kept-alive connection: the response's status line and headers, with the body read whole. */
    static String get(SSLSocket s) throws IOException {
        byte[] request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(request);
        s.getOutputStream().flush();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed within the response head: " + head);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        in.readNBytes(length);
        return text;
    }
}
