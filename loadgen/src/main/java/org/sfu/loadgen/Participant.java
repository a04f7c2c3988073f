package org.sfu.loadgen;

import java.util.Map;
import org.sfu.packet.PacketBuffer;

/**
 * One simulated participant: it joins a room on the target (the SFU, or the plain relay), sends what the
 * {@link TrafficPacer} gives it, and records what it receives in its {@link Reception}.
 */
public interface Participant extends AutoCloseable {
    /** Unique in the run; carried in every probe so receivers know the sender. */
    int index();

    String name();

    String room();

    /** The SSRC of this participant's stream of {@link ProbePayload#AUDIO} or {@link ProbePayload#VIDEO}. */
    long ssrc(int kind);

    /** Begins joining (signaling, ICE, DTLS; or the relay's hello). Returns without waiting for media. */
    void start() throws Exception;

    /** Whether packets can be sent now. */
    boolean canSend();

    /**
     * Sends one plain RTP packet. Called on the pacer thread only; may transform the buffer in place (SRTP).
     * Returns whether it went out.
     */
    boolean sendRtp(PacketBuffer packet);

    /** True once, after a keyframe request (PLI or FIR) arrived for this participant's video. */
    boolean takeKeyframeRequest();

    Reception reception();

    /** Why this participant stopped working, or null. */
    String failure();

    /** Named counters of this participant's stages, for the report. */
    Map<String, Long> counters();

    @Override
    void close();
}
