package org.sfu.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.sfu.media.rtp.RtpPacket;

/**
 * Reading and rewriting the RTP header fields the forwarding path touches (RFC 3550 §5.1), with {@link RtpPacket}'s
 * in-place accessors, on a 1200-byte video packet with an RFC 8285 one-byte header extension block.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class RtpHeaderBenchmark {
    private static final int PACKET_LENGTH = 1200;

    private byte[] packet;
    private int counter;

    @Setup(Level.Trial)
    public void setUp() {
        packet = SamplePackets.videoPacket(PACKET_LENGTH - SamplePackets.HEADER_LENGTH, 0);
    }

    /** The validity check the transport runs on every datagram, then the fields a router reads. */
    @Benchmark
    public void parse(Blackhole bh) {
        byte[] b = packet;
        bh.consume(RtpPacket.isValidRtp(b, 0, PACKET_LENGTH));
        bh.consume(RtpPacket.ssrc(b, 0));
        bh.consume(RtpPacket.sequenceNumber(b, 0));
        bh.consume(RtpPacket.timestamp(b, 0));
        bh.consume(RtpPacket.payloadType(b, 0));
        bh.consume(RtpPacket.headerLength(b, 0));
    }

    /** The rewrites a consumer may make; the values change every call so none can be folded away. */
    @Benchmark
    public byte[] rewrite() {
        byte[] b = packet;
        int n = ++counter;
        RtpPacket.setPayloadType(b, 0, 96 + (n & 0x1F));
        RtpPacket.setSsrc(b, 0, SamplePackets.SSRC + n);
        RtpPacket.setSequenceNumber(b, 0, n & 0xFFFF);
        return b;
    }
}
