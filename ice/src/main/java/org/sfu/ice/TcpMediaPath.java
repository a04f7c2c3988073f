package org.sfu.ice;

import java.io.IOException;
import java.net.DatagramPacket;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.ice4j.ice.CandidatePair;
import org.ice4j.socket.IceSocketWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media path of a transport whose selected pair is ICE-TCP (RFC 6544), framed per RFC 4571 by ice4j.
 *
 * <p>Why it exists: ice4j pushes UDP datagrams to the component's callback, but TCP data only arrives by reading the
 * pair's socket, and a TCP write blocks when the peer reads slowly. So a TCP path gets two threads of its own: a
 * reader that hands each de-framed datagram to the transport, and a writer that drains a bounded queue. The
 * forwarding thread only enqueues; when the queue is full the packet is dropped and counted, as a congested UDP path
 * would lose it, and one slow TCP client never stalls the others. STUN on the connection is read by ice4j's own
 * stack (its filtered socket), so consent freshness keeps working.
 */
final class TcpMediaPath implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpMediaPath.class);

    /** About one second of 1.5 Mbps video in 1,200-byte packets: more is a peer that cannot keep up. */
    static final int SEND_QUEUE_PACKETS = 256;
    private static final int MAX_DATAGRAM = 65535;

    interface Receiver {
        void onDatagram(byte[] buf, int offset, int length);
    }

    /** Writes one datagram on the pair; ice4j's component adds the RFC 4571 length prefix for TCP. */
    interface Sender {
        void send(byte[] buf, int offset, int length) throws IOException;
    }

    private final String name;
    private final IceSocketWrapper socket;
    private final Receiver receiver;
    private final Sender sender;
    private final BlockingQueue<byte[]> sendQueue = new ArrayBlockingQueue<>(SEND_QUEUE_PACKETS);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder droppedQueueFull = new LongAdder();
    private final Thread reader;
    private final Thread writer;

    TcpMediaPath(String name, CandidatePair pair, Receiver receiver, Sender sender) {
        this.name = name;
        this.socket = pair.getIceSocketWrapper();
        this.receiver = receiver;
        this.sender = sender;
        if (socket == null) {
            throw new IllegalStateException("the selected TCP pair has no socket");
        }
        reader = new Thread(this::readLoop, "ice-tcp-read-" + name);
        writer = new Thread(this::writeLoop, "ice-tcp-write-" + name);
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    /** Queues a copy of the datagram for the writer thread; false when the queue is full (the packet is dropped). */
    boolean send(byte[] buf, int offset, int length) {
        if (closed.get()) {
            return false;
        }
        byte[] copy = new byte[length];
        System.arraycopy(buf, offset, copy, 0, length);
        if (!sendQueue.offer(copy)) {
            droppedQueueFull.increment();
            return false;
        }
        return true;
    }

    long droppedQueueFull() {
        return droppedQueueFull.sum();
    }

    private void readLoop() {
        byte[] buf = new byte[MAX_DATAGRAM];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        while (!closed.get()) {
            try {
                packet.setData(buf, 0, buf.length);
                socket.receive(packet);
                if (packet.getLength() > 0) {
                    receiver.onDatagram(packet.getData(), packet.getOffset(), packet.getLength());
                }
            } catch (IOException e) {
                if (!closed.get()) {
                    log.info("ICE {}: TCP connection ended: {}", name, e.toString());
                }
                return;
            } catch (RuntimeException e) {
                log.warn("ICE {}: TCP datagram handling failed", name, e);
            }
        }
    }

    private void writeLoop() {
        while (!closed.get()) {
            try {
                byte[] next = sendQueue.poll(1, TimeUnit.SECONDS);
                if (next == null) {
                    continue;
                }
                sender.send(next, 0, next.length);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                if (!closed.get()) {
                    log.info("ICE {}: TCP write failed: {}", name, e.toString());
                }
                return;
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        sendQueue.clear();
        writer.interrupt();
        // The socket itself belongs to ice4j's candidate and is closed when the agent is freed, which ends the read.
        reader.interrupt();
    }
}
