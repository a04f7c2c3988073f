package org.sfu.media.sdp;

/** RFC 3551 §6 static payload types a peer may list without an rtpmap (package-private). */
final class StaticPayloadTypes {
    private StaticPayloadTypes() {
    }

    static RtpCodec codec(int pt) {
        return switch (pt) {
            case 0 -> new RtpCodec(0, "PCMU", 8000);
            case 3 -> new RtpCodec(3, "GSM", 8000);
            case 4 -> new RtpCodec(4, "G723", 8000);
            case 8 -> new RtpCodec(8, "PCMA", 8000);
            case 9 -> new RtpCodec(9, "G722", 8000); // RFC 3551 §4.5.2: clock rate 8000 although sampled at 16 kHz
            case 13 -> new RtpCodec(13, "CN", 8000);
            case 18 -> new RtpCodec(18, "G729", 8000);
            case 34 -> new RtpCodec(34, "H263", 90000);
            default -> null;
        };
    }
}
