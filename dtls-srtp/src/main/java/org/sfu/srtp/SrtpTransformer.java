package org.sfu.srtp;

import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.jitsi.srtp.SrtcpCryptoContext;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.jitsi.srtp.SrtpErrorStatus;
import org.jitsi.srtp.SrtpPolicy;
import org.jitsi.utils.logging2.Logger;
import org.jitsi.utils.logging2.LoggerImpl;
import org.sfu.packet.PacketBuffer;
import org.sfu.packet.SsrcTable;

/**
 * SRTP and SRTCP (RFC 3711; AEAD GCM per RFC 7714) for one DTLS association, on jitsi-srtp. A crypto
 * context is derived per SSRC and direction on first use (RFC 3711 §3.2.3), with ROC 0.
 *
 * <p>Threading: the inbound side ({@code unprotect*}) and the outbound side ({@code protect*}) each hold their
 * own lock, so one thread may unprotect while others protect; calls within one direction are serialised.
 *
 * <p>Every method returns {@code false} instead of throwing on bad input (too short, not version 2, header
 * longer than the packet, failed authentication, replay): the caller drops the packet. A failed unprotect may
 * have modified the buffer.
 *
 * <p>Inbound contexts are kept only once a packet authenticates under them, so garbage with random SSRCs
 * cannot fill the context tables; and at most {@link #MAX_INBOUND_SSRCS} per direction are kept, so a peer that
 * holds the keys cannot mint SSRCs without end either (a session's streams are a few per m-line). Deriving a
 * context for a new SSRC costs key derivation (RFC 3711 §4.3) before the packet can fail authentication, so
 * packets under new SSRCs that fail are allowed only at a bounded rate ({@link #FRESH_FAILURES_PER_SECOND}, with a
 * burst of {@link #FRESH_FAILURE_BURST}); beyond it, packets under SSRCs without a context are dropped unexamined
 * until the budget refills. Streams that already authenticated are never affected.
 */
public final class SrtpTransformer implements AutoCloseable {
    private static final Logger LOGGER = new LoggerImpl(SrtpTransformer.class.getName());

    private static final int RTP_FIXED_HEADER = 12;   // RFC 3550 §5.1
    private static final int RTCP_HEADER = 8;         // RFC 3550 §6.4.1: header + sender SSRC
    private static final int SRTCP_INDEX_LENGTH = 4;  // RFC 3711 §3.4: E flag + 31-bit index
    /** SSRCs a peer may send under, per direction (RTP, RTCP); packets under another SSRC beyond this are dropped. */
    public static final int MAX_INBOUND_SSRCS = 256;
    /** Packets under a new SSRC that may fail authentication per second, per direction pair, after the burst. */
    static final int FRESH_FAILURES_PER_SECOND = 20;
    static final int FRESH_FAILURE_BURST = 50;

    private final SrtpProfile profile;
    private final int tagLength;
    private final SrtpContextFactory outboundFactory;
    private final SrtpContextFactory inboundFactory;

    private final Object outboundLock = new Object();
    private final Object inboundLock = new Object();
    // Guarded by outboundLock. Tables keyed by the unboxed SSRC: a lookup per packet allocates nothing.
    private final SsrcTable<SrtpCryptoContext> outboundRtp = new SsrcTable<>();
    private final SsrcTable<SrtcpCryptoContext> outboundRtcp = new SsrcTable<>();
    private boolean outboundClosed;
    /** Packets done are counted under the direction's lock, which every packet takes anyway: no atomic. */
    private long rtpProtected;
    private long rtcpProtected;
    // Guarded by inboundLock.
    private final SsrcTable<SrtpCryptoContext> inboundRtp = new SsrcTable<>();
    private final SsrcTable<SrtcpCryptoContext> inboundRtcp = new SsrcTable<>();
    private boolean inboundClosed;
    private long rtpUnprotected;
    private long rtcpUnprotected;
    /** Failures of freshly derived contexts still allowed now (a token bucket); refilled from {@link #clock}. */
    private double freshFailureTokens = FRESH_FAILURE_BURST;
    private long freshFailureRefilledNanos;
    private final LongSupplier clock;

    // Drops and failures, counted where they happen, some outside the locks.
    private final AtomicLong droppedMalformed = new AtomicLong();
    private final AtomicLong droppedAuth = new AtomicLong();
    private final AtomicLong droppedReplay = new AtomicLong();
    private final AtomicLong droppedTooManySsrcs = new AtomicLong();
    private final AtomicLong droppedNewSsrcThrottled = new AtomicLong();
    private final AtomicLong protectFailures = new AtomicLong();

    public SrtpTransformer(SrtpKeyMaterial keys) {
        this(keys, System::nanoTime);
    }

    /** With a clock ({@link System#nanoTime()}-like) for the new-SSRC failure budget: for tests. */
    SrtpTransformer(SrtpKeyMaterial keys, LongSupplier clock) {
        this.clock = clock;
        this.freshFailureRefilledNanos = clock.getAsLong();
        this.profile = keys.profile();
        SrtpPolicy policy = policyFor(profile);
        this.tagLength = policy.getAuthType() == SrtpPolicy.NULL_AUTHENTICATION ? 16 : policy.getAuthTagLength();
        // jitsi-srtp may zero the master key on close: hand it copies, never the caller's arrays.
        this.outboundFactory = new SrtpContextFactory(true, keys.localKey().clone(), keys.localSalt().clone(),
                policy, policyFor(profile), LOGGER);
        this.inboundFactory = new SrtpContextFactory(false, keys.remoteKey().clone(), keys.remoteSalt().clone(),
                policyFor(profile), policyFor(profile), LOGGER);
    }

    /** jitsi-srtp policy: (encryption, enc key length, auth, auth key length, tag length, salt length). */
    static SrtpPolicy policyFor(SrtpProfile profile) {
        return switch (profile) {
            // RFC 3711 §8.2 / RFC 5764 §4.1.2: 160-bit HMAC key, 80-bit tag.
            case AES_CM_128_HMAC_SHA1_80 -> new SrtpPolicy(SrtpPolicy.AESCM_ENCRYPTION, 16,
                    SrtpPolicy.HMACSHA1_AUTHENTICATION, 20, 10, 14);
            // RFC 7714 §12: the 16-byte GCM tag is part of the cipher, no separate authentication.
            case AEAD_AES_128_GCM -> new SrtpPolicy(SrtpPolicy.AESGCM_ENCRYPTION, 16,
                    SrtpPolicy.NULL_AUTHENTICATION, 0, 16, 12);
        };
    }

    public SrtpProfile profile() {
        return profile;
    }

    /** Decrypts and authenticates an SRTP packet in place; {@code false} means drop it. */
    public boolean unprotectRtp(PacketBuffer p) {
        if (!isRtp(p, tagLength)) {
            droppedMalformed.incrementAndGet();
            return false;
        }
        int ssrc = readInt(p, 8);
        try {
            synchronized (inboundLock) {
                if (inboundClosed) {
                    return false;
                }
                SrtpCryptoContext context = inboundRtp.get(ssrc);
                boolean fresh = context == null;
                if (fresh && inboundRtp.size() >= MAX_INBOUND_SSRCS) {
                    droppedTooManySsrcs.incrementAndGet();
                    return false;
                }
                if (fresh) {
                    if (!freshContextAllowed()) {
                        return false;
                    }
                    context = inboundFactory.deriveContext(ssrc, 0);
                }
                SrtpErrorStatus status = context.reverseTransformPacket(p, false);
                if (status == SrtpErrorStatus.OK) {
                    if (fresh) {
                        inboundRtp.put(ssrc, context);
                    }
                    rtpUnprotected++;
                    return true;
                }
                if (fresh) {
                    freshFailureTokens--;
                }
                return countDrop(status);
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            droppedMalformed.incrementAndGet();
            return false;
        }
    }

    /** Decrypts and authenticates an SRTCP packet in place, removing index and tag; {@code false} means drop it. */
    public boolean unprotectRtcp(PacketBuffer p) {
        if (!isRtcp(p, SRTCP_INDEX_LENGTH + tagLength)) {
            droppedMalformed.incrementAndGet();
            return false;
        }
        int ssrc = readInt(p, 4);
        try {
            synchronized (inboundLock) {
                if (inboundClosed) {
                    return false;
                }
                SrtcpCryptoContext context = inboundRtcp.get(ssrc);
                boolean fresh = context == null;
                if (fresh && inboundRtcp.size() >= MAX_INBOUND_SSRCS) {
                    droppedTooManySsrcs.incrementAndGet();
                    return false;
                }
                if (fresh) {
                    if (!freshContextAllowed()) {
                        return false;
                    }
                    context = inboundFactory.deriveControlContext(ssrc);
                }
                SrtpErrorStatus status = context.reverseTransformPacket(p);
                if (status == SrtpErrorStatus.OK) {
                    if (fresh) {
                        inboundRtcp.put(ssrc, context);
                    }
                    rtcpUnprotected++;
                    return true;
                }
                if (fresh) {
                    freshFailureTokens--;
                }
                return countDrop(status);
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            droppedMalformed.incrementAndGet();
            return false;
        }
    }

    /** Encrypts an RTP packet in place and appends the tag; {@code false} means it could not be protected. */
    public boolean protectRtp(PacketBuffer p) {
        if (!isRtp(p, 0)) {
            droppedMalformed.incrementAndGet();
            return false;
        }
        int ssrc = readInt(p, 8);
        // GCM writes its tag in place before setting the length: the room must exist first.
        p.grow(PacketBuffer.TRAILER_ROOM);
        try {
            synchronized (outboundLock) {
                if (outboundClosed) {
                    return false;
                }
                SrtpCryptoContext context = outboundRtp.get(ssrc);
                if (context == null) {
                    context = outboundFactory.deriveContext(ssrc, 0);
                    outboundRtp.put(ssrc, context);
                }
                if (context.transformPacket(p) == SrtpErrorStatus.OK) {
                    rtpProtected++;
                    return true;
                }
                protectFailures.incrementAndGet();
                return false;
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            protectFailures.incrementAndGet();
            return false;
        }
    }

    /** Encrypts an RTCP compound packet in place and appends the SRTCP index and tag. */
    public boolean protectRtcp(PacketBuffer p) {
        if (!isRtcp(p, 0)) {
            droppedMalformed.incrementAndGet();
            return false;
        }
        int ssrc = readInt(p, 4);
        p.grow(PacketBuffer.TRAILER_ROOM);
        try {
            synchronized (outboundLock) {
                if (outboundClosed) {
                    return false;
                }
                SrtcpCryptoContext context = outboundRtcp.get(ssrc);
                if (context == null) {
                    context = outboundFactory.deriveControlContext(ssrc);
                    outboundRtcp.put(ssrc, context);
                }
                if (context.transformPacket(p) == SrtpErrorStatus.OK) {
                    rtcpProtected++;
                    return true;
                }
                protectFailures.incrementAndGet();
                return false;
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            protectFailures.incrementAndGet();
            return false;
        }
    }

    /** Named counters of this transformer (packets done, and drops by reason). */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        synchronized (outboundLock) {
            m.put("srtp.rtp_protected", rtpProtected);
            m.put("srtp.rtcp_protected", rtcpProtected);
        }
        synchronized (inboundLock) {
            m.put("srtp.rtp_unprotected", rtpUnprotected);
            m.put("srtp.rtcp_unprotected", rtcpUnprotected);
        }
        m.put("srtp.dropped_malformed", droppedMalformed.get());
        m.put("srtp.dropped_auth_failed", droppedAuth.get());
        m.put("srtp.dropped_replay", droppedReplay.get());
        m.put("srtp.dropped_too_many_ssrcs", droppedTooManySsrcs.get());
        m.put("srtp.dropped_new_ssrc_throttled", droppedNewSsrcThrottled.get());
        m.put("srtp.protect_failed", protectFailures.get());
        return m;
    }

    /** Releases the cipher contexts; later calls return {@code false}. Idempotent. */
    @Override
    public void close() {
        synchronized (outboundLock) {
            if (!outboundClosed) {
                outboundClosed = true;
                outboundRtp.clear();
                outboundRtcp.clear();
                outboundFactory.close();
            }
        }
        synchronized (inboundLock) {
            if (!inboundClosed) {
                inboundClosed = true;
                inboundRtp.clear();
                inboundRtcp.clear();
                inboundFactory.close();
            }
        }
    }

    /**
     * True while packets under new SSRCs may still be examined: the failure budget, refilled at
     * {@link #FRESH_FAILURES_PER_SECOND}, is not spent. Under inboundLock.
     */
    private boolean freshContextAllowed() {
        long now = clock.getAsLong();
        long elapsed = now - freshFailureRefilledNanos;
        if (elapsed > 0) {
            freshFailureTokens = Math.min(FRESH_FAILURE_BURST,
                    freshFailureTokens + elapsed * (FRESH_FAILURES_PER_SECOND / 1e9));
            freshFailureRefilledNanos = now;
        }
        if (freshFailureTokens < 1) {
            droppedNewSsrcThrottled.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Counts why an unprotect failed; always false. */
    private boolean countDrop(SrtpErrorStatus status) {
        switch (status) {
            case REPLAY_FAIL, REPLAY_OLD -> droppedReplay.incrementAndGet();
            case AUTH_FAIL -> droppedAuth.incrementAndGet();
            default -> droppedMalformed.incrementAndGet();
        }
        return false;
    }

    /**
     * RFC 3550 §5.1: version 2, and the fixed header, CSRCs and header extension (§5.3.1) all inside the
     * packet, leaving at least {@code trailer} bytes.
     */
    static boolean isRtp(PacketBuffer p, int trailer) {
        int len = p.length();
        if (len < RTP_FIXED_HEADER + trailer) {
            return false;
        }
        byte[] b = p.buffer();
        int off = p.offset();
        if ((b[off] & 0xC0) != 0x80) {
            return false;
        }
        int headerLength = RTP_FIXED_HEADER + 4 * (b[off] & 0x0F);
        if ((b[off] & 0x10) != 0) {
            if (headerLength + 4 > len) {
                return false;
            }
            int words = ((b[off + headerLength + 2] & 0xFF) << 8) | (b[off + headerLength + 3] & 0xFF);
            headerLength += 4 + 4 * words;
        }
        return headerLength + trailer <= len;
    }

    /** RFC 3550 §6.4: version 2, and a packet type in the RTCP range (RFC 5761 §4: 192–223). */
    static boolean isRtcp(PacketBuffer p, int trailer) {
        if (p.length() < RTCP_HEADER + trailer) {
            return false;
        }
        byte[] b = p.buffer();
        int off = p.offset();
        int packetType = b[off + 1] & 0xFF;
        return (b[off] & 0xC0) == 0x80 && packetType >= 192 && packetType <= 223;
    }

    private static int readInt(PacketBuffer p, int at) {
        byte[] b = p.buffer();
        int i = p.offset() + at;
        return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }
}
