package org.sfu.signaling;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP relay to the server whose connections the test can cut at once, with no WebSocket close frame and
 * no FIN from the client's side: what the server sees when a phone's network disappears; or can freeze, swallowing
 * what is sent while both ends still believe the path is up. One connection at a time.
 */
final class DroppableTcpLink implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean frozen;

    DroppableTcpLink(int targetPort) throws IOException {
        this.target = targetPort;
        this.listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "tcp-link-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /**
     * From now on bytes are swallowed instead of relayed, with every connection left open: a path that died without
     * either end noticing yet (what the server writes is lost, and its TCP does not say so for a while).
     */
    void freeze() {
        frozen = true;
    }

    /** Cuts every relayed connection: both sides are reset (SO_LINGER 0), nothing more is relayed. */
    void cut() {
        for (Socket s : open) {
            try {
                s.setSoLinger(true, 0);
                s.close();
            } catch (IOException ignored) {
                // Already gone.
            }
        }
        open.clear();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5000);
                open.add(client);
                open.add(server);
                pump(client, server);
                pump(server, client);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (!frozen) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException ignored) {
                // The link was cut or a side closed.
            }
        }, "tcp-link-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        cut();
        listener.close();
    }
}
