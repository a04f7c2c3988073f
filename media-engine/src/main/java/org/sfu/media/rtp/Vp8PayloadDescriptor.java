package org.sfu.media.rtp;

/**
 * The VP8 payload descriptor at the start of every VP8 RTP payload (RFC 7741 §4.2), read in place:
 * <pre>
 *      X|R|N|S|R|PID        first octet: X extension present, N non-reference, S start of partition
 *   X: I|L|T|K|RSV          which optional fields follow
 *   I: M|PictureID          7 bits, or 15 when M is set (a second octet)
 *   L: TL0PICIDX            8 bits
 *   T/K: TID(2)|Y|KEYIDX(5) one octet when T or K is set
 * </pre>
 * One mutable instance is reused per reader ({@link #read}), so nothing is allocated per packet. The offsets it keeps
 * are absolute positions in the buffer it last read, where {@link Vp8Rewriter} writes the renumbered fields.
 */
public final class Vp8PayloadDescriptor {
    /** No such field in the descriptor. */
    public static final int ABSENT = -1;

    private boolean start;
    private int partitionId;
    private int pictureIdOffset = ABSENT;
    private boolean longPictureId;
    private int tl0PicIdxOffset = ABSENT;
    private int tidKeyIdxOffset = ABSENT;
    private boolean hasTid;
    private boolean hasKeyIdx;
    private int headerEnd;

    /**
     * Reads the descriptor of the payload {@code [payload, end)}. Returns false (and the fields are then meaningless)
     * when the payload is too short for the fields its first octets announce.
     */
    public boolean read(byte[] b, int payload, int end) {
        pictureIdOffset = ABSENT;
        tl0PicIdxOffset = ABSENT;
        tidKeyIdxOffset = ABSENT;
        longPictureId = false;
        hasTid = false;
        hasKeyIdx = false;
        if (payload >= end) {
            return false;
        }
        int first = b[payload] & 0xff;
        start = (first & 0x10) != 0;
        partitionId = first & 0x07;
        int i = payload + 1;
        if ((first & 0x80) != 0) {
            if (i >= end) {
                return false;
            }
            int x = b[i++] & 0xff;
            if ((x & 0x80) != 0) {
                if (i >= end) {
                    return false;
                }
                pictureIdOffset = i;
                longPictureId = (b[i] & 0x80) != 0;
                i += longPictureId ? 2 : 1;
            }
            if ((x & 0x40) != 0) {
                tl0PicIdxOffset = i++;
            }
            if ((x & 0x30) != 0) {
                hasTid = (x & 0x20) != 0;
                hasKeyIdx = (x & 0x10) != 0;
                tidKeyIdxOffset = i++;
            }
        }
        if (i > end) {
            return false;
        }
        headerEnd = i;
        return true;
    }

    /** S = 1 and PID = 0: the packet starts a frame (its first partition). */
    public boolean startsFrame() {
        return start && partitionId == 0;
    }

    public boolean hasPictureId() {
        return pictureIdOffset != ABSENT;
    }

    /** M = 1: the picture id has 15 bits, else 7. */
    public boolean longPictureId() {
        return longPictureId;
    }

    /** The picture id, 7 or 15 bits, or {@link #ABSENT}. */
    public int pictureId(byte[] b) {
        if (pictureIdOffset == ABSENT) {
            return ABSENT;
        }
        return longPictureId ? ((b[pictureIdOffset] & 0x7f) << 8) | (b[pictureIdOffset + 1] & 0xff)
                : b[pictureIdOffset] & 0x7f;
    }

    /** Writes a picture id in the field's own width (7 or 15 bits): the descriptor keeps its length. */
    public void setPictureId(byte[] b, int pictureId) {
        if (longPictureId) {
            b[pictureIdOffset] = (byte) (0x80 | ((pictureId >>> 8) & 0x7f));
            b[pictureIdOffset + 1] = (byte) pictureId;
        } else {
            b[pictureIdOffset] = (byte) (pictureId & 0x7f);
        }
    }

    public boolean hasTl0PicIdx() {
        return tl0PicIdxOffset != ABSENT;
    }

    public int tl0PicIdx(byte[] b) {
        return tl0PicIdxOffset == ABSENT ? ABSENT : b[tl0PicIdxOffset] & 0xff;
    }

    public void setTl0PicIdx(byte[] b, int value) {
        b[tl0PicIdxOffset] = (byte) value;
    }

    /** The temporal layer index (TID), or {@link #ABSENT}. */
    public int temporalLayer(byte[] b) {
        return hasTid ? (b[tidKeyIdxOffset] & 0xff) >>> 6 : ABSENT;
    }

    public boolean hasKeyIdx() {
        return hasKeyIdx;
    }

    public int keyIdx(byte[] b) {
        return hasKeyIdx ? b[tidKeyIdxOffset] & 0x1f : ABSENT;
    }

    public void setKeyIdx(byte[] b, int value) {
        b[tidKeyIdxOffset] = (byte) ((b[tidKeyIdxOffset] & 0xe0) | (value & 0x1f));
    }

    /** Where the VP8 payload header (or the partition data) starts, after the descriptor. */
    public int headerEnd() {
        return headerEnd;
    }

    /**
     * The height of the frame a keyframe's first packet starts (RFC 6386 §9.1: after the 3-octet frame tag, the start
     * code 9d 01 2a, then 16-bit little-endian width and height, each a 14-bit size under a 2-bit scale), or -1 when
     * the payload is not the start of a keyframe or too short.
     */
    public static int keyframeHeight(byte[] b, int payload, int end) {
        // The descriptor's length, read without an instance: this runs on the packet path.
        if (payload >= end) {
            return -1;
        }
        int first = b[payload] & 0xff;
        if ((first & 0x10) == 0 || (first & 0x07) != 0) {
            return -1;
        }
        int h = payload + 1;
        if ((first & 0x80) != 0) {
            if (h >= end) {
                return -1;
            }
            int x = b[h++] & 0xff;
            if ((x & 0x80) != 0) {
                if (h >= end) {
                    return -1;
                }
                h += (b[h] & 0x80) != 0 ? 2 : 1;
            }
            if ((x & 0x40) != 0) {
                h++;
            }
            if ((x & 0x30) != 0) {
                h++;
            }
        }
        if (h + 10 > end || (b[h] & 0x01) != 0) {
            return -1;
        }
        if ((b[h + 3] & 0xff) != 0x9d || (b[h + 4] & 0xff) != 0x01 || (b[h + 5] & 0xff) != 0x2a) {
            return -1;
        }
        return ((b[h + 8] & 0xff) | ((b[h + 9] & 0xff) << 8)) & 0x3fff;
    }
}
