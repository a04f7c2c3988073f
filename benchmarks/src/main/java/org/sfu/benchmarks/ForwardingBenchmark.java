package org.sfu.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sfu.media.router.RouterFixture;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.media.transport.TransportFixture;
import org.sfu.packet.PacketBuffer;
import org.sfu.srtp.SrtpKeyMaterial;
import org.sfu.srtp.SrtpProfile;
import org.sfu.srtp.SrtpTransformer;

/**
 * The whole server-side path of one incoming SRTP video packet through the real classes, minus the sockets:
 * {@code WebRtcTransport.onDatagram} (RFC 7983 demultiplex, copy, SRTP unprotect) → {@code RtpSession.onRtp}
 * (header read once, transport-cc record, SSRC lookup) → {@code Producer.onRtp} (duplicate window, receive
 * statistics, loss detection, retransmission cache) → for each of N receivers {@code Consumer.send} (copy, payload
 * type and extension ids mapped, SSRC, sequence number and timestamp rewritten) →
 * {@code WebRtcTransport.sendRtp} (SRTP protect, counters) → {@code IceTransport.send}, which returns before the
 * system call because the fixture's ICE agents have no pair ({@link RouterFixture}).
 *
 * <p>Scores are per forwarded packet ({@code @OperationsPerInvocation(N)}): the incoming packet's share (receive,
 * unprotect, bookkeeping) is spread over its N copies, as it is in the server. The sender's own SRTP protect of each
 * packet happens in a per-invocation set-up, outside the measured time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ForwardingBenchmark {
    private static final int PACKET_LENGTH = 1200;
    private static final long RTX_SSRC = 0x5678EF01L;
    /** SamplePackets' transport-wide-cc extension id (RFC 8285 one-byte element 3). */
    private static final int TRANSPORT_CC_ID = 3;

    @State(Scope.Thread)
    public abstract static class Room {
        @Param({"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"})
        public SrtpProfile profile;

        @Param({"OpenSSL"})
        public String aesFactory;

        private RouterFixture fixture;
        /** The browser's side of the sender's association: protects what the sender "sends". */
        private SrtpTransformer browser;
        private byte[] plain;
        private PacketBuffer datagram;
        private int sequenceNumber;
        private int transportSequence;
        private long expectedForwarded;

        abstract int receivers();

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            AesChoice.apply(aesFactory);
            SrtpKeyMaterial senderKeys = SamplePackets.keys(profile, 1);
            List<SrtpKeyMaterial> receiverKeys = new ArrayList<>();
            for (int i = 0; i < receivers(); i++) {
                receiverKeys.add(SamplePackets.keys(profile, 100 + i));
            }
            fixture = new RouterFixture(SamplePackets.SSRC, RTX_SSRC, senderKeys, receiverKeys);
            fixture.senderUsesTransportCc(TRANSPORT_CC_ID);
            browser = new SrtpTransformer(senderKeys.mirrored());
            plain = SamplePackets.videoPacket(PACKET_LENGTH - SamplePackets.HEADER_LENGTH, 0);
            // RFC 7741 §4.2 descriptor S=1 PID=0, then a VP8 header with P=0: a keyframe, so the receivers stop
            // waiting for one after the first packet, as in a running call.
            plain[SamplePackets.HEADER_LENGTH] = 0x10;
            plain[SamplePackets.HEADER_LENGTH + 1] = 0x00;
            datagram = new PacketBuffer(PACKET_LENGTH + PacketBuffer.TRAILER_ROOM);
            sequenceNumber = 1;
            AesChoice.report(profile, aesFactory);
        }

        /** The browser sends the next packet: new sequence numbers, protected with its own keys. */
        @Setup(Level.Invocation)
        public void nextPacket() {
            sequenceNumber = (sequenceNumber + 1) & 0xFFFF;
            transportSequence = (transportSequence + 1) & 0xFFFF;
            RtpPacket.setSequenceNumber(plain, 0, sequenceNumber);
            // The transport-wide sequence number sits in the extension element with id 3 (SamplePackets).
            plain[RtpPacket.FIXED_HEADER_LENGTH + 4 + 4 + 1] = (byte) (transportSequence >> 8);
            plain[RtpPacket.FIXED_HEADER_LENGTH + 4 + 4 + 2] = (byte) transportSequence;
            System.arraycopy(plain, 0, datagram.buffer(), 0, PACKET_LENGTH);
            datagram.setOffsetLength(0, PACKET_LENGTH);
            if (!browser.protectRtp(datagram)) {
                throw new IllegalStateException("protect failed");
            }
        }

        void forward() {
            TransportFixture.receive(fixture.senderTransport(), datagram.buffer(), datagram.offset(),
                    datagram.length());
            expectedForwarded += receivers();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            long forwarded = fixture.forwarded();
            fixture.close();
            browser.close();
            // Every packet must have reached every receiver, or the benchmark measured a drop path.
            if (forwarded != expectedForwarded) {
                throw new IllegalStateException("forwarded " + forwarded + " of " + expectedForwarded + " packets");
            }
        }
    }

    public static class Room1 extends Room {
        @Override
        int receivers() {
            return 1;
        }
    }

    public static class Room4 extends Room {
        @Override
        int receivers() {
            return 4;
        }
    }

    public static class Room16 extends Room {
        @Override
        int receivers() {
            return 16;
        }
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public void forwardTo1(Room1 room) {
        room.forward();
    }

    @Benchmark
    @OperationsPerInvocation(4)
    public void forwardTo4(Room4 room) {
        room.forward();
    }

    @Benchmark
    @OperationsPerInvocation(16)
    public void forwardTo16(Room16 room) {
        room.forward();
    }
}
