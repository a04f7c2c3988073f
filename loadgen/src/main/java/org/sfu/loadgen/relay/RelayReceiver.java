package org.sfu.loadgen.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A thread that receives for relay participants: a selector over their sockets. The generator gives each participant
 * its own, as each WebRTC participant has its own ice4j receive thread, so both targets' sends wake receivers alike.
 */
public final class RelayReceiver implements AutoCloseable {
    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<RelayParticipant> pending = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    public RelayReceiver() throws IOException {
        selector = Selector.open();
        thread = new Thread(this::run, "loadgen-relay-receiver");
        thread.setDaemon(true);
        thread.start();
    }

    void register(RelayParticipant participant) {
        pending.add(participant);
        selector.wakeup();
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocate(2048);
        while (running) {
            try {
                selector.select(100);
            } catch (IOException e) {
                return;
            }
            RelayParticipant p;
            while ((p = pending.poll()) != null) {
                try {
                    p.channel().register(selector, SelectionKey.OP_READ, p);
                } catch (IOException e) {
                    p.fail("cannot receive: " + e);
                }
            }
            Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
            while (keys.hasNext()) {
                SelectionKey key = keys.next();
                keys.remove();
                RelayParticipant participant = (RelayParticipant) key.attachment();
                DatagramChannel channel = participant.channel();
                try {
                    while (true) {
                        buf.clear();
                        if (channel.receive(buf) == null) {
                            break;
                        }
                        long arrival = System.nanoTime();
                        participant.onDatagram(buf.array(), buf.position(), arrival);
                    }
                } catch (IOException e) {
                    key.cancel();
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(2000);
            selector.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // Closing anyway.
        }
    }
}
