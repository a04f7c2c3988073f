package org.sfu.signaling;

import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A microphone for a machine with no sound card: pushes a 440 Hz tone, 10 ms at a time (48 kHz, mono, 16-bit
 * little-endian PCM, what libwebrtc's audio pipeline works in), into a webrtc-java {@link CustomAudioSource}. A tone
 * rather than silence, so that the far end receives a real signal (audio level, dominant speaker), not comfort noise.
 */
final class SyntheticMicrophone implements AutoCloseable {
    static final int SAMPLE_RATE = 48_000;
    private static final int FRAMES_PER_10_MS = SAMPLE_RATE / 100;
    private static final double TONE_HZ = 440;

    private final CustomAudioSource source = new CustomAudioSource();
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "synthetic-microphone");
        t.setDaemon(true);
        return t;
    });
    private final byte[] pcm = new byte[FRAMES_PER_10_MS * 2];
    private final BooleanSupplier mayPush;
    private long sampleNumber;

    /**
     * @param mayPush asked on the microphone's thread before each 10 ms; false skips it (libwebrtc aborts when two
     *                threads feed one audio send stream at once, so the owner may need to clear the way first)
     */
    SyntheticMicrophone(BooleanSupplier mayPush) {
        this.mayPush = mayPush;
    }

    CustomAudioSource source() {
        return source;
    }

    void start() {
        clock.scheduleAtFixedRate(this::push10Milliseconds, 0, 10, TimeUnit.MILLISECONDS);
    }

    private void push10Milliseconds() {
        if (!mayPush.getAsBoolean()) {
            return;
        }
        for (int i = 0; i < FRAMES_PER_10_MS; i++) {
            short sample = (short) (8_000 * Math.sin(2 * Math.PI * TONE_HZ * sampleNumber++ / SAMPLE_RATE));
            pcm[2 * i] = (byte) sample;
            pcm[2 * i + 1] = (byte) (sample >> 8);
        }
        source.pushAudio(pcm, 16, SAMPLE_RATE, 1, FRAMES_PER_10_MS);
    }

    /** Stops the tone; the source itself is released by whoever owns the track made from it, after the track. */
    @Override
    public void close() {
        clock.shutdownNow();
        try {
            clock.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
