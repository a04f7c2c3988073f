package org.sfu.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

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
import org.openjdk.jmh.infra.Blackhole;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.packet.PacketBuffer;
import org.sfu.srtp.SrtpProfile;
import org.sfu.srtp.SrtpTransformer;

/**
 * The server's work per forwarded packet, without sockets: what {@code Consumer.send} and
 * {@code WebRtcTransport.sendRtp} do for each receiver of one unprotected 1200-byte video packet — copy it into the
 * thread's reused outgoing buffer ({@link PacketBuffer#copyFrom}), map and rewrite the payload type, protect it with
 * that receiver's own {@link SrtpTransformer} and count it — minus the datagram send. A stripped-down copy of those
 * steps, to see the crypto share; {@link ForwardingBenchmark} runs the real classes. The incoming packet's unprotect is not included:
 * it is paid once per incoming packet, and {@link SrtpBenchmark} measures it together with a protect.
 *
 * <p>Scores are per forwarded packet: each {@code forwardToN} method handles one incoming packet for N receivers
 * and declares N operations. ({@code @OperationsPerInvocation} must be a constant, hence one method per N rather than
 * a {@code @Param}.)
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class FanOutBenchmark {
    private static final int PACKET_LENGTH = 1200;
    private static final int MAX_RECEIVERS = 16;
    /** The receivers negotiated VP8 under another payload type number, so every copy is rewritten. */
    private static final int RECEIVER_PAYLOAD_TYPE = 100;

    @Param({"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"})
    public SrtpProfile profile;

    /** {@code auto}: jitsi-srtp's own start-up pick, as the server does; or OpenSSL, SunJCE, BouncyCastle. */
    @Param({AesChoice.AUTO})
    public String aesFactory;

    private PacketBuffer source;
    /** Stand-in for {@code Producer}'s per-thread outgoing buffer. */
    private final PacketBuffer outgoing = new PacketBuffer(1500 + PacketBuffer.TRAILER_ROOM);
    /** Sender payload type → receiver payload type, as {@code Consumer.activate} builds it; -1 where unsupported. */
    private int[] payloadTypeMap;
    private final SrtpTransformer[] receivers = new SrtpTransformer[MAX_RECEIVERS];
    /** Stand-ins for {@code Consumer.sent} and {@code TransportCounters.rtpSent}, one of each per receiver. */
    private final LongAdder[] consumerSent = new LongAdder[MAX_RECEIVERS];
    private final LongAdder[] transportSent = new LongAdder[MAX_RECEIVERS];
    private int sequenceNumber;

    @Setup(Level.Trial)
    public void setUp() {
        AesChoice.apply(aesFactory);
        source = new PacketBuffer(SamplePackets.videoPacket(PACKET_LENGTH - SamplePackets.HEADER_LENGTH, 0), 0,
                PACKET_LENGTH);
        payloadTypeMap = new int[128];
        java.util.Arrays.fill(payloadTypeMap, -1);
        payloadTypeMap[SamplePackets.VP8_PAYLOAD_TYPE] = RECEIVER_PAYLOAD_TYPE;
        for (int i = 0; i < MAX_RECEIVERS; i++) {
            receivers[i] = new SrtpTransformer(SamplePackets.keys(profile, 100 + i));
            consumerSent[i] = new LongAdder();
            transportSent[i] = new LongAdder();
        }
        sequenceNumber = 1;
        // Derive every receiver's context now (with sequence number 1; the benchmark goes on from 2).
        for (SrtpTransformer receiver : receivers) {
            if (!receiver.protectRtp(PacketBuffer.copyOf(source.buffer(), source.offset(), source.length()))) {
                throw new IllegalStateException("protect failed: " + receiver.counters());
            }
        }
        AesChoice.report(profile, aesFactory);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (SrtpTransformer t : receivers) {
            t.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public void forwardTo1(Blackhole bh) {
        forward(1, bh);
    }

    @Benchmark
    @OperationsPerInvocation(4)
    public void forwardTo4(Blackhole bh) {
        forward(4, bh);
    }

    @Benchmark
    @OperationsPerInvocation(16)
    public void forwardTo16(Blackhole bh) {
        forward(16, bh);
    }

    private void forward(int receiverCount, Blackhole bh) {
        // A new packet from the sender: every receiver's SRTP context sees a new index (RFC 3711 §3.3.2).
        sequenceNumber = (sequenceNumber + 1) & 0xFFFF;
        byte[] in = source.buffer();
        RtpPacket.setSequenceNumber(in, source.offset(), sequenceNumber);
        for (int i = 0; i < receiverCount; i++) {
            // Consumer.send
            int pt = RtpPacket.payloadType(in, source.offset());
            int mapped = payloadTypeMap[pt & 0x7f];
            if (mapped < 0) {
                throw new IllegalStateException("payload type " + pt + " not mapped");
            }
            PacketBuffer copy = outgoing.copyFrom(in, source.offset(), source.length());
            if (mapped != pt) {
                RtpPacket.setPayloadType(copy.buffer(), copy.offset(), mapped);
            }
            // WebRtcTransport.sendRtp, minus ice.send
            if (!receivers[i].protectRtp(copy)) {
                throw new IllegalStateException("protect failed: " + receivers[i].counters());
            }
            transportSent[i].increment();
            consumerSent[i].increment();
            bh.consume(copy);
        }
    }
}
