package org.sfu.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.packet.PacketBuffer;
import org.sfu.srtp.SrtpKeyMaterial;
import org.sfu.srtp.SrtpProfile;
import org.sfu.srtp.SrtpTransformer;

/**
 * The SRTP cost of one packet crossing the server: one protect and one unprotect (RFC 3711 §3.3, §3.4; GCM per
 * RFC 7714) with {@link SrtpTransformer} on jitsi-srtp. A sender transformer protects, a receiver transformer whose
 * keys mirror it unprotects; the unprotect leaves the plain packet back in the same buffer, so the loop reuses one
 * buffer and allocates nothing itself. The sequence number goes up by one per packet (and wraps, moving the ROC) so
 * neither side's replay check (RFC 3711 §3.3.2) ever refuses a packet.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class SrtpBenchmark {

    @Param({"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"})
    public SrtpProfile profile;

    /** {@code auto}: jitsi-srtp's own start-up pick, as the server does; or OpenSSL, SunJCE, BouncyCastle. */
    @Param({AesChoice.AUTO})
    public String aesFactory;

    /** RTP payload bytes; the packet is {@link SamplePackets#HEADER_LENGTH} (28) bytes more. */
    @Param({"200", "1200"})
    public int payloadSize;

    private SrtpTransformer sender;
    private SrtpTransformer receiver;
    private PacketBuffer packet;
    private int plainLength;
    private int sequenceNumber;

    @Setup(Level.Trial)
    public void setUp() {
        AesChoice.apply(aesFactory);
        SrtpKeyMaterial keys = SamplePackets.keys(profile, 1);
        sender = new SrtpTransformer(keys);
        receiver = new SrtpTransformer(keys.mirrored());
        plainLength = SamplePackets.HEADER_LENGTH + payloadSize;
        packet = new PacketBuffer(SamplePackets.videoPacket(payloadSize, PacketBuffer.TRAILER_ROOM), 0, plainLength);
        sequenceNumber = 1;
        protectAndUnprotect(); // derives both contexts, so that jitsi-srtp has picked its AES
        AesChoice.report(profile, aesFactory);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        sender.close();
        receiver.close();
    }

    @Benchmark
    public int protectAndUnprotect() {
        byte[] b = packet.buffer();
        sequenceNumber = (sequenceNumber + 1) & 0xFFFF;
        RtpPacket.setSequenceNumber(b, 0, sequenceNumber);
        packet.setOffsetLength(0, plainLength);
        if (!sender.protectRtp(packet)) {
            throw new IllegalStateException("protect failed: " + sender.counters());
        }
        if (!receiver.unprotectRtp(packet)) {
            throw new IllegalStateException("unprotect failed: " + receiver.counters());
        }
        return packet.length();
    }
}
