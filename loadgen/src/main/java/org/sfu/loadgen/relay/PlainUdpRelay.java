package org.sfu.loadgen.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The floor every figure of the SFU is compared with: the same fan-out (each packet a participant sends goes to every
 * other participant of its room) with no ICE, no DTLS, no SRTP, no RTCP and no parsing. One UDP socket, one thread;
 * participants register with a {@link RelayHello} datagram and are forgotten after {@link #IDLE_MILLIS} of silence.
 *
 * <p>Run it on its own ({@code java -jar sfu-loadgen.jar relay --port 5004}) so that its CPU time can be measured apart
 * from the load generator's, or in-process for tests.
 */
public final class PlainUdpRelay implements AutoCloseable {
    static final long IDLE_MILLIS = 10_000;
    private static final int MAX_DATAGRAM = 2048;

    private static final class Member {
        final SocketAddress address;
        final List<Member> room;
        long lastHeardMillis;

        Member(SocketAddress address, List<Member> room) {
            this.address = address;
            this.room = room;
        }
    }

    private final DatagramChannel channel;
    private final Thread thread;
    // Relay thread only.
    private final Map<SocketAddress, Member> members = new HashMap<>();
    private final Map<String, List<Member>> rooms = new HashMap<>();
    private long lastSweepMillis = System.currentTimeMillis();

    private final LongAdder received = new LongAdder();
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder droppedUnknownSender = new LongAdder();
    private final LongAdder sendFailed = new LongAdder();
    private volatile boolean running = true;

    private PlainUdpRelay(DatagramChannel channel) {
        this.channel = channel;
        this.thread = new Thread(this::run, "plain-udp-relay");
        this.thread.setDaemon(true);
    }

    /** Binds {@code bind:port} (0 picks a free port) and starts forwarding. */
    public static PlainUdpRelay start(InetAddress bind, int port) throws IOException {
        DatagramChannel channel = DatagramChannel.open();
        channel.bind(new InetSocketAddress(bind, port));
        PlainUdpRelay relay = new PlainUdpRelay(channel);
        relay.thread.start();
        return relay;
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    public long received() {
        return received.sum();
    }

    public long forwarded() {
        return forwarded.sum();
    }

    /** CPU time of the relay's thread so far, in nanoseconds (-1 if the JVM cannot tell). */
    public long cpuNanos() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        return mx.isThreadCpuTimeSupported() ? mx.getThreadCpuTime(thread.getId()) : -1;
    }

    public String counters() {
        return "received " + received.sum() + ", forwarded " + forwarded.sum() + ", dropped (unknown sender) "
                + droppedUnknownSender.sum() + ", send failed " + sendFailed.sum();
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocateDirect(MAX_DATAGRAM);
        while (running) {
            SocketAddress from;
            buf.clear();
            try {
                from = channel.receive(buf);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                continue;
            }
            if (from == null) {
                continue;
            }
            buf.flip();
            long now = System.currentTimeMillis();
            if (buf.remaining() > 0 && RelayHello.isControl(buf.get(0))) {
                onControl(buf, from, now);
            } else {
                received.increment();
                forward(buf, from, now);
            }
            if (now - lastSweepMillis > 1000) {
                sweep(now);
            }
        }
    }

    private void forward(ByteBuffer buf, SocketAddress from, long now) {
        Member sender = members.get(from);
        if (sender == null) {
            droppedUnknownSender.increment();
            return;
        }
        sender.lastHeardMillis = now;
        for (Member m : sender.room) {
            if (m == sender) {
                continue;
            }
            buf.rewind();
            try {
                channel.send(buf, m.address);
                forwarded.increment();
            } catch (IOException e) {
                sendFailed.increment();
            }
        }
    }

    private void onControl(ByteBuffer buf, SocketAddress from, long now) {
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        String text = new String(bytes, StandardCharsets.US_ASCII);
        if (text.startsWith(RelayHello.HELLO)) {
            String room = text.substring(RelayHello.HELLO.length()).trim();
            Member existing = members.get(from);
            if (existing != null) {
                existing.lastHeardMillis = now;
                return;
            }
            List<Member> list = rooms.computeIfAbsent(room, r -> new ArrayList<>());
            Member m = new Member(from, list);
            m.lastHeardMillis = now;
            list.add(m);
            members.put(from, m);
        } else if (text.startsWith(RelayHello.BYE)) {
            remove(members.get(from));
        }
    }

    private void sweep(long now) {
        lastSweepMillis = now;
        for (Iterator<Member> it = new ArrayList<>(members.values()).iterator(); it.hasNext(); ) {
            Member m = it.next();
            if (now - m.lastHeardMillis > IDLE_MILLIS) {
                remove(m);
            }
        }
    }

    private void remove(Member m) {
        if (m == null) {
            return;
        }
        members.remove(m.address);
        m.room.remove(m);
        rooms.values().removeIf(List::isEmpty);
    }

    @Override
    public void close() {
        running = false;
        try {
            channel.close();
        } catch (IOException e) {
            // Closing anyway.
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code PlainUdpRelay [--port 5004] [--bind 127.0.0.1]}: runs until killed, printing its counters every 5 s. */
    public static void main(String[] args) throws Exception {
        int port = 5004;
        InetAddress bind = InetAddress.getLoopbackAddress();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--bind" -> bind = InetAddress.getByName(args[++i]);
                default -> {
                    System.err.println("usage: relay [--port 5004] [--bind 127.0.0.1]");
                    System.exit(2);
                }
            }
        }
        PlainUdpRelay relay = start(bind, port);
        System.out.println("Plain UDP relay on " + relay.localAddress() + " (no ICE, no DTLS, no SRTP)");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Relay: " + relay.counters());
            relay.close();
        }, "relay-shutdown"));
        long last = 0;
        while (true) {
            Thread.sleep(5000);
            long f = relay.forwarded();
            if (f != last) {
                System.out.println("Relay: " + relay.counters());
                last = f;
            }
        }
    }
}
