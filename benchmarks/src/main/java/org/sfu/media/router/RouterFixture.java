package org.sfu.media.router;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.sfu.dtls.DtlsCertificate;
import org.sfu.ice.IceEndpoint;
import org.sfu.media.counters.CounterRegistry;
import org.sfu.media.negotiation.UpstreamTrack;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.media.transport.TransportFixture;
import org.sfu.media.transport.WebRtcTransport;
import org.sfu.srtp.SrtpKeyMaterial;

/**
 * A router with the real classes on the packet path and no network: one participant sending one video track
 * (VP8 + RTX) and N participants receiving it, each with its own SRTP keys. ICE never connects (the agents have no
 * pair), so {@code IceTransport.send} returns before the system call: everything a forwarded packet costs except the
 * socket. Signaling is skipped: the producer and the consumers are set up as a negotiation would leave them.
 */
public final class RouterFixture implements AutoCloseable {
    /** The sender's payload types, as a browser offers them. */
    public static final int SENDER_VP8 = 96;
    public static final int SENDER_RTX = 97;
    /** The receivers negotiated other numbers, so every forwarded packet is rewritten. */
    public static final int RECEIVER_VP8 = 100;
    public static final int RECEIVER_RTX = 101;

    private final IceEndpoint endpoint;
    private final ExecutorService handshakes = Executors.newCachedThreadPool();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Router router;
    private final Peer sender;
    private final List<Peer> receivers = new ArrayList<>();

    /**
     * @param senderKeys the server's side of the sender's DTLS association (the sender protects with the mirror)
     * @param receiverKeys one per receiver, the server's side
     */
    public RouterFixture(long ssrc, long rtxSsrc, SrtpKeyMaterial senderKeys, List<SrtpKeyMaterial> receiverKeys)
            throws Exception {
        endpoint = IceEndpoint.open(IceEndpoint.Options.loopback());
        // No packet workers: the benchmark calls onDatagram on its own thread, which then does the whole path.
        MediaContext context = new MediaContext(endpoint, DtlsCertificate.generate(), null, handshakes, timer, 0, 0,
                Long.MAX_VALUE / 4, Long.MAX_VALUE / 4,
                Long.MAX_VALUE / 4, new CounterRegistry());
        router = new Router("bench", context, receiverKeys.size() + 1, r -> { });
        sender = router.join("sender", new SilentSignaling());
        for (int i = 0; i < receiverKeys.size(); i++) {
            receivers.add(router.join("receiver-" + i, new SilentSignaling()));
        }
        List<RtpCodec> sent = List.of(new RtpCodec(SENDER_VP8, "VP8", 90000),
                new RtpCodec(SENDER_RTX, "rtx", 90000, 1, Map.of("apt", Integer.toString(SENDER_VP8)), List.of()));
        reconcile(sender, List.of(new UpstreamTrack("0", "video", ssrc, rtxSsrc, sent)));
        router.producersChanged();
        List<RtpCodec> received = List.of(new RtpCodec(RECEIVER_VP8, "VP8", 90000),
                new RtpCodec(RECEIVER_RTX, "rtx", 90000, 1, Map.of("apt", Integer.toString(RECEIVER_VP8)), List.of()));
        TransportFixture.installKeys(sender.transport(), senderKeys);
        for (int i = 0; i < receivers.size(); i++) {
            TransportFixture.installKeys(receivers.get(i).transport(), receiverKeys.get(i));
            for (Consumer c : receivers.get(i).consumers()) {
                c.activate(received, List.of());
            }
        }
    }

    /** Peer.reconcileProducers, as an answered offer would call it (private: reached by reflection, set-up only). */
    private static void reconcile(Peer peer, List<UpstreamTrack> tracks) throws ReflectiveOperationException {
        Method m = Peer.class.getDeclaredMethod("reconcileProducers", List.class);
        m.setAccessible(true);
        synchronized (peer) {
            try {
                m.invoke(peer, tracks);
            } catch (InvocationTargetException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /**
     * The transport-wide sequence number extension id the sender's packets carry (RFC 8888 / transport-cc), as its
     * negotiation would have set it: every packet is then recorded for feedback, as in a call.
     */
    public void senderUsesTransportCc(int extensionId) {
        ((RtpSession) sender.streams()).publishExtensionIds(extensionId, -1);
    }

    public WebRtcTransport senderTransport() {
        return sender.transport();
    }

    /** Packets each receiver's consumer has sent (to check the benchmark forwards what it claims). */
    public long forwarded() {
        long total = 0;
        for (Peer r : receivers) {
            for (Consumer c : r.consumers()) {
                total += c.sent();
            }
        }
        return total;
    }

    /** Every participant's counters, for a failed check. */
    public String counters() {
        StringBuilder s = new StringBuilder("sender ").append(sender.counters());
        for (Peer r : receivers) {
            s.append("\n").append(r.id()).append(' ').append(r.counters());
        }
        return s.toString();
    }

    @Override
    public void close() {
        for (Peer r : receivers) {
            r.close();
        }
        sender.close();
        timer.shutdownNow();
        handshakes.shutdownNow();
        endpoint.close();
    }

    private static final class SilentSignaling implements PeerSignaling {
        @Override
        public void sendOffer(String sdp, boolean carriesOthersMedia) {
        }

        @Override
        public void sendAnswer(String sdp) {
        }

        @Override
        public void sendCandidate(String candidate, String sdpMid, int sdpMLineIndex) {
        }

        @Override
        public void sendError(String code, String message) {
        }

        @Override
        public void close(String reason) {
        }
    }
}
