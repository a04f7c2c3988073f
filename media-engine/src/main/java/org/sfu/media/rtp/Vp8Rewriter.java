package org.sfu.media.rtp;

/**
 * Keeps the VP8 payload descriptor (RFC 7741 §4.2) of one outgoing stream continuous when its source changes (another
 * simulcast layer): each layer numbers its pictures, its base-layer pictures (TL0PICIDX) and its keyframes (KEYIDX) on
 * its own, and a receiver's decoder that saw picture 812 of one layer and then picture 20133 of another would take the
 * jump for lost pictures. At a change of source the first picture of the new source continues where the last
 * forwarded one left off (picture id + 1, TL0PICIDX + 1, KEYIDX + 1: the switch happens at a keyframe, which is a
 * base-layer picture); later pictures of that source keep their distance from it. Fields are rewritten in place in
 * their own width (7- or 15-bit picture ids), so the packet keeps its length.
 *
 * <p>Thread-safe like {@link RtpRewriter}: one lock for a few operations; the forwarding thread rewrites, the RTCP
 * path rewrites retransmissions again.
 */
public final class Vp8Rewriter {
    private static final int PICTURE_ID_MASK = 0x7fff;

    private final Vp8PayloadDescriptor descriptor = new Vp8PayloadDescriptor();
    private final Vp8PayloadDescriptor again = new Vp8PayloadDescriptor();

    // Guarded by this.
    private boolean started;
    private boolean switchPending;
    /** outgoing = (source + offset) mod the field's range, for the current source. */
    private int pictureIdOffset;
    private int tl0PicIdxOffset;
    private int keyIdxOffset;
    /** The newest values sent, or -1 before any. */
    private int lastPictureId = -1;
    private int lastTl0PicIdx = -1;
    private int lastKeyIdx = -1;

    /** The next packet comes from another source (it starts a keyframe there). */
    public synchronized void switchSource() {
        if (started) {
            switchPending = true;
        }
    }

    /**
     * Rewrites the descriptor of the payload {@code [payload, end)} in place. Returns false, changing nothing, when
     * the descriptor is malformed.
     */
    public synchronized boolean rewrite(byte[] b, int payload, int end) {
        Vp8PayloadDescriptor d = descriptor;
        if (!d.read(b, payload, end)) {
            return false;
        }
        if (!started || switchPending) {
            if (started) {
                if (d.hasPictureId() && lastPictureId >= 0) {
                    pictureIdOffset = (lastPictureId + 1 - d.pictureId(b)) & PICTURE_ID_MASK;
                }
                if (d.hasTl0PicIdx() && lastTl0PicIdx >= 0) {
                    tl0PicIdxOffset = (lastTl0PicIdx + 1 - d.tl0PicIdx(b)) & 0xff;
                }
                if (d.hasKeyIdx() && lastKeyIdx >= 0) {
                    keyIdxOffset = (lastKeyIdx + 1 - d.keyIdx(b)) & 0x1f;
                }
            }
            started = true;
            switchPending = false;
        }
        if (d.hasPictureId()) {
            int mask = d.longPictureId() ? PICTURE_ID_MASK : 0x7f;
            int out = (d.pictureId(b) + pictureIdOffset) & mask;
            d.setPictureId(b, out);
            // Kept in 15 bits: a source with 7-bit ids continues within them, and the next source from there.
            int wide = d.longPictureId() ? out : (lastPictureId < 0 ? out : extend7(lastPictureId, out));
            if (lastPictureId < 0 || isNewer(wide, lastPictureId, PICTURE_ID_MASK)) {
                lastPictureId = wide;
            }
        }
        if (d.hasTl0PicIdx()) {
            int out = (d.tl0PicIdx(b) + tl0PicIdxOffset) & 0xff;
            d.setTl0PicIdx(b, out);
            if (lastTl0PicIdx < 0 || isNewer(out, lastTl0PicIdx, 0xff)) {
                lastTl0PicIdx = out;
            }
        }
        if (d.hasKeyIdx()) {
            int out = (d.keyIdx(b) + keyIdxOffset) & 0x1f;
            d.setKeyIdx(b, out);
            if (lastKeyIdx < 0 || isNewer(out, lastKeyIdx, 0x1f)) {
                lastKeyIdx = out;
            }
        }
        return true;
    }

    /**
     * Rewrites a packet the current source sent earlier (a retransmission) as it was forwarded, without moving the
     * stream on.
     */
    public synchronized boolean rewriteAgain(byte[] b, int payload, int end) {
        Vp8PayloadDescriptor d = again;
        if (!d.read(b, payload, end)) {
            return false;
        }
        if (d.hasPictureId()) {
            d.setPictureId(b, (d.pictureId(b) + pictureIdOffset) & (d.longPictureId() ? PICTURE_ID_MASK : 0x7f));
        }
        if (d.hasTl0PicIdx()) {
            d.setTl0PicIdx(b, (d.tl0PicIdx(b) + tl0PicIdxOffset) & 0xff);
        }
        if (d.hasKeyIdx()) {
            d.setKeyIdx(b, (d.keyIdx(b) + keyIdxOffset) & 0x1f);
        }
        return true;
    }

    /** The 15-bit id nearest to {@code last} whose low 7 bits are {@code low7}. */
    private static int extend7(int last, int low7) {
        int candidate = (last & ~0x7f) | low7;
        int diff = (candidate - last) & PICTURE_ID_MASK;
        if (diff >= 0x4000) {
            // Behind last by more than half of the 7-bit range: it wrapped forward.
            if (((last - candidate) & PICTURE_ID_MASK) > 0x40) {
                candidate = (candidate + 0x80) & PICTURE_ID_MASK;
            }
        } else if (diff > 0x40) {
            candidate = (candidate - 0x80) & PICTURE_ID_MASK;
        }
        return candidate & PICTURE_ID_MASK;
    }

    /** a is after b within half of a field of {@code mask + 1} values (RFC 3550 A.1's rule, at this width). */
    private static boolean isNewer(int a, int b, int mask) {
        int d = (a - b) & mask;
        return d != 0 && d <= (mask >>> 1);
    }
}
