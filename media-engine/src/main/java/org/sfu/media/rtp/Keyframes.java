package org.sfu.media.rtp;

/**
 * Whether an RTP packet starts a keyframe, read from the codec's payload format without allocating: what an SFU
 * needs to know whether a new receiver can start decoding yet.
 */
public final class Keyframes {
    private Keyframes() {
    }

    /**
     * True when the packet carries the start of a keyframe. {@code codec} is the rtpmap encoding name; codecs other
     * than VP8, VP9, H264 and AV1 are never reported as keyframes. The packet must have passed
     * {@link RtpPacket#isValidRtp}.
     */
    public static boolean isKeyframe(String codec, byte[] buf, int off, int len) {
        return isKeyframe(Codec.of(codec), buf, off, len);
    }

    /** {@link #isKeyframe(String, byte[], int, int)} for a codec already resolved: the packet path's form. */
    public static boolean isKeyframe(Codec codec, byte[] buf, int off, int len) {
        if (!isVideo(codec)) {
            return false;
        }
        int payload = RtpPacket.payloadOffset(buf, off);
        return inPayload(codec, buf, payload, payload + RtpPacket.payloadLength(buf, off, len));
    }

    /** {@link #isKeyframe(Codec, byte[], int, int)} of a packet in {@code buf} whose header was read once. */
    public static boolean isKeyframe(Codec codec, byte[] buf, RtpHeader header) {
        if (!isVideo(codec) || !header.isValid()) {
            return false;
        }
        int payload = header.payloadOffset();
        return inPayload(codec, buf, payload, payload + header.payloadLength());
    }

    private static boolean isVideo(Codec codec) {
        return codec == Codec.VP8 || codec == Codec.VP9 || codec == Codec.H264 || codec == Codec.AV1;
    }

    private static boolean inPayload(Codec codec, byte[] buf, int payload, int end) {
        if (payload >= end) {
            return false;
        }
        return switch (codec) {
            case VP8 -> vp8(buf, payload, end);
            case VP9 -> vp9(buf, payload, end);
            case H264 -> h264(buf, payload, end);
            case AV1 -> av1(buf[payload]);
            default -> false;
        };
    }

    /**
     * RFC 9628 §4.2: the payload descriptor's first octet is I|P|L|F|B|E|V|Z. A keyframe's first packet starts a frame
     * (B) that is not inter-picture predicted (P = 0), in the lowest spatial layer when layer indices are present
     * (L, then SID after the picture id): a decoder can start there.
     */
    private static boolean vp9(byte[] b, int p, int end) {
        int first = b[p] & 0xff;
        boolean pictureId = (first & 0x80) != 0;
        boolean predicted = (first & 0x40) != 0;
        boolean layers = (first & 0x20) != 0;
        boolean startOfFrame = (first & 0x08) != 0;
        if (predicted || !startOfFrame) {
            return false;
        }
        if (!layers) {
            return true;
        }
        int at = p + 1;
        if (pictureId) {
            if (at >= end) {
                return false;
            }
            // M: a 15-bit picture id takes a second octet.
            at += (b[at] & 0x80) != 0 ? 2 : 1;
        }
        if (at >= end) {
            return false;
        }
        int spatialId = (b[at] >>> 1) & 0x07;
        return spatialId == 0;
    }

    /**
     * The AV1 RTP payload format (AOMedia, §4.4): the aggregation header is Z|Y|W W|N|-|-|-; N marks the first packet
     * of a coded video sequence, which starts with a key frame, and Z = 0 says it does not continue an earlier OBU.
     */
    private static boolean av1(byte header) {
        return (header & 0x08) != 0 && (header & 0x80) == 0;
    }

    /**
     * RFC 7741 §4.2: the payload descriptor (X, S, PID and the optional I/L/T/K extension), then in the first packet
     * of partition 0 (S = 1, PID = 0) the VP8 payload header, whose P bit is 0 for a key frame (§4.3, RFC 6386 §9.1).
     */
    private static boolean vp8(byte[] b, int p, int end) {
        int first = b[p] & 0xff;
        boolean start = (first & 0x10) != 0;
        int partition = first & 0x07;
        if (!start || partition != 0) {
            return false;
        }
        int i = p + 1;
        if ((first & 0x80) != 0) {
            if (i >= end) {
                return false;
            }
            int ext = b[i++] & 0xff;
            if ((ext & 0x80) != 0) {
                // PictureID: 7 bits, or 15 when its M bit is set.
                if (i >= end) {
                    return false;
                }
                i += (b[i] & 0x80) != 0 ? 2 : 1;
            }
            if ((ext & 0x40) != 0) {
                i++;
            }
            if ((ext & 0x30) != 0) {
                i++;
            }
        }
        return i < end && (b[i] & 0x01) == 0;
    }

    /**
     * RFC 6184 §5.2: a single NAL unit of type 5 (IDR slice) or 7 (SPS), a STAP-A (24) aggregating one, or the first
     * fragment of an FU-A (28) of one.
     */
    private static boolean h264(byte[] b, int p, int end) {
        int type = b[p] & 0x1f;
        if (type == 5 || type == 7) {
            return true;
        }
        if (type == 24) {
            int i = p + 1;
            while (i + 2 < end) {
                int size = ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
                int nal = b[i + 2] & 0x1f;
                if (nal == 5 || nal == 7) {
                    return true;
                }
                i += 2 + size;
            }
            return false;
        }
        if (type == 28 && p + 1 < end) {
            int header = b[p + 1] & 0xff;
            int nal = header & 0x1f;
            return (header & 0x80) != 0 && (nal == 5 || nal == 7);
        }
        return false;
    }
}
