package org.sfu.media.router;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sfu.media.transport.Transport;
import org.sfu.packet.PacketBuffer;

/** A participant's transport in memory: what would have gone on the wire, unprotected, in order. */
final class FakeTransport implements Transport {
    final List<byte[]> rtp = new ArrayList<>();
    final List<byte[]> rtcp = new ArrayList<>();
    final List<byte[]> resent = new ArrayList<>();
    boolean connected = true;

    @Override
    public synchronized boolean sendRtp(PacketBuffer packet) {
        if (!connected) {
            return false;
        }
        rtp.add(Arrays.copyOfRange(packet.buffer(), packet.offset(), packet.offset() + packet.length()));
        return true;
    }

    @Override
    public synchronized boolean sendRtcp(PacketBuffer packet) {
        if (!connected) {
            return false;
        }
        rtcp.add(Arrays.copyOfRange(packet.buffer(), packet.offset(), packet.offset() + packet.length()));
        return true;
    }

    @Override
    public synchronized boolean resendProtectedRtp(byte[] buf, int offset, int length) {
        resent.add(Arrays.copyOfRange(buf, offset, offset + length));
        return connected;
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    synchronized byte[] lastRtp() {
        return rtp.get(rtp.size() - 1);
    }
}
