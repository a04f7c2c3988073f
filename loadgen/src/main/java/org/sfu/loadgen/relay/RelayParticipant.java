package org.sfu.loadgen.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.loadgen.BaseParticipant;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.packet.PacketBuffer;

/**
 * A participant of the {@link PlainUdpRelay}: the same synthetic RTP as the SFU's participants, sent in the clear to
 * the relay from a socket of its own, after a {@link RelayHello}. There is no signaling, no feedback and no keyframe
 * request: the relay forwards everything.
 */
public final class RelayParticipant extends BaseParticipant {
    private static final long HELLO_INTERVAL_NANOS = 1_000_000_000L;

    private final InetSocketAddress relay;
    private final RelayReceiver receiver;
    private final DatagramChannel channel;
    private final LongAdder sendFailed = new LongAdder();
    private final LongAdder notRtp = new LongAdder();
    private volatile boolean started;
    /** Pacer thread only. */
    private long lastHelloNanos = System.nanoTime();

    public RelayParticipant(int index, String name, String room, InetSocketAddress relay, RelayReceiver receiver)
            throws IOException {
        super(index, name, room);
        this.relay = relay;
        this.receiver = receiver;
        this.channel = DatagramChannel.open();
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        channel.connect(relay);
        channel.configureBlocking(false);
    }

    DatagramChannel channel() {
        return channel;
    }

    @Override
    public void start() throws IOException {
        receiver.register(this);
        // UDP on loopback hardly loses anything, but the hello is all the relay knows of us: say it a few times.
        for (int i = 0; i < 3; i++) {
            channel.write(ByteBuffer.wrap(RelayHello.hello(room)));
        }
        started = true;
    }

    @Override
    public boolean canSend() {
        return started && failure == null;
    }

    @Override
    public boolean sendRtp(PacketBuffer packet) {
        try {
            long now = System.nanoTime();
            if (now - lastHelloNanos > HELLO_INTERVAL_NANOS) {
                // Again every second: a busy relay's full socket buffer can drop all three first hellos (seen at
                // 25 rooms x 4: whole rooms never registered), and the relay ignores a sender it does not know.
                lastHelloNanos = now;
                channel.write(ByteBuffer.wrap(RelayHello.hello(room)));
            }
            channel.write(ByteBuffer.wrap(packet.buffer(), packet.offset(), packet.length()));
            return true;
        } catch (IOException e) {
            sendFailed.increment();
            return false;
        }
    }

    /** On the receiver's thread. */
    void onDatagram(byte[] buf, int length, long arrivalNanos) {
        if (!RtpPacket.isValidRtp(buf, 0, length) || RtpPacket.isRtcp(buf, 0, length)) {
            notRtp.increment();
            return;
        }
        int end = length - RtpPacket.paddingLength(buf, 0, length);
        reception.onRtp(buf, RtpPacket.payloadOffset(buf, 0), end, arrivalNanos);
    }

    void fail(String reason) {
        failure = reason;
    }

    @Override
    public boolean takeKeyframeRequest() {
        return false;
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("send_failed", sendFailed.sum());
        m.put("received_not_rtp", notRtp.sum());
        m.put("rtp_unrecognised", reception.unrecognised());
        return m;
    }

    @Override
    public void close() {
        try {
            if (channel.isOpen()) {
                channel.write(ByteBuffer.wrap(RelayHello.bye()));
            }
        } catch (IOException e) {
            // The relay forgets silent members anyway.
        }
        try {
            channel.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }

    @Override
    public String toString() {
        return name + " -> " + relay;
    }
}
