package org.sfu.signaling;

import dev.onvoid.webrtc.media.video.CustomVideoSource;
import dev.onvoid.webrtc.media.video.NativeI420Buffer;
import dev.onvoid.webrtc.media.video.VideoFrame;
import java.nio.ByteBuffer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A camera for a machine that has none: pushes 640x360 I420 frames of a diagonal gradient that moves every frame, at
 * 30 fps, into a webrtc-java {@link CustomVideoSource}. Movement matters: an encoder sends a still picture as tiny
 * frames, and the test must see real frames decoded at the far end. The frames are made on this class's own thread.
 */
final class SyntheticCamera implements AutoCloseable {
    static final int WIDTH = 640;
    static final int HEIGHT = 360;
    static final int FRAMES_PER_SECOND = 30;

    private final CustomVideoSource source = new CustomVideoSource();
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "synthetic-camera");
        t.setDaemon(true);
        return t;
    });
    private final byte[] row = new byte[WIDTH];
    private long frameNumber;

    CustomVideoSource source() {
        return source;
    }

    void start() {
        clock.scheduleAtFixedRate(this::pushFrame, 0, 1_000_000 / FRAMES_PER_SECOND, TimeUnit.MICROSECONDS);
    }

    private void pushFrame() {
        NativeI420Buffer buffer = NativeI420Buffer.allocate(WIDTH, HEIGHT);
        int shift = (int) (frameNumber++ * 4);
        fillPlane(buffer.getDataY(), buffer.getStrideY(), WIDTH, HEIGHT, shift, 1);
        // Chroma at half resolution (4:2:0), drifting slowly so that colour changes too.
        fillPlane(buffer.getDataU(), buffer.getStrideU(), WIDTH / 2, HEIGHT / 2, shift / 2, 2);
        fillPlane(buffer.getDataV(), buffer.getStrideV(), WIDTH / 2, HEIGHT / 2, 255 - shift / 3, 3);
        VideoFrame frame = new VideoFrame(buffer, System.nanoTime());
        try {
            source.pushFrame(frame);
        } finally {
            // The source keeps its own reference; ours goes, or every frame leaks 345 KB of native memory.
            frame.release();
        }
    }

    private void fillPlane(ByteBuffer plane, int stride, int width, int height, int shift, int slope) {
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                row[x] = (byte) ((x + slope * y + shift) & 0xff);
            }
            plane.put(y * stride, row, 0, width);
        }
    }

    /** Stops the frames; the source itself is released by whoever owns the track made from it, after the track. */
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
