package org.sfu.media.sdp;

import java.util.Locale;

/**
 * The H.264 {@code profile-level-id} format parameter (RFC 6184 §8.1): three bytes in hex, profile_idc, profile_iop
 * (the constraint_set flags) and level_idc. Clients spell the same profile in several ways (constrained baseline is
 * {@code 42e0xx} in Chromium, {@code 42c0xx} or {@code 4240xx} elsewhere, or a main-profile idc with constraint_set1)
 * and at different levels, so two descriptions of one decodable stream differ as strings: what matters for forwarding
 * is the profile, which this reads from the idc and the flags (ITU-T H.264 §A.2), not the level, which under
 * {@code level-asymmetry-allowed} (RFC 6184 §8.2.2) each side chooses for what it receives.
 *
 * @param profile    the profile the idc and the constraint flags make
 * @param levelIdc   level_idc (e.g. 31 for level 3.1)
 */
public record H264ProfileLevelId(Profile profile, int levelIdc) {

    /** The profiles WebRTC endpoints offer; anything else is {@link #OTHER}. */
    public enum Profile {
        CONSTRAINED_BASELINE, BASELINE, MAIN, EXTENDED, CONSTRAINED_HIGH, HIGH, PREDICTIVE_HIGH_444, OTHER
    }

    /** RFC 6184 §8.1: without the parameter, the stream is Baseline at level 1.0. */
    public static final String DEFAULT = "420010";

    /** The value of a codec's parameter, or null when it is not six hex digits. */
    public static H264ProfileLevelId parse(String value) {
        if (value == null) {
            return null;
        }
        String hex = value.trim().toLowerCase(Locale.ROOT);
        if (hex.length() != 6) {
            return null;
        }
        int bits = 0;
        for (int i = 0; i < 6; i++) {
            // Digits only: Integer.parseInt would also take a sign.
            int digit = Character.digit(hex.charAt(i), 16);
            if (digit < 0) {
                return null;
            }
            bits = bits << 4 | digit;
        }
        int idc = bits >>> 16;
        int iop = (bits >>> 8) & 0xFF;
        return new H264ProfileLevelId(profile(idc, iop), bits & 0xFF);
    }

    /** The parameter of a codec's fmtp ({@link #DEFAULT} when absent), or null when malformed. */
    public static H264ProfileLevelId of(RtpCodec codec) {
        return parse(codec.fmtp().getOrDefault("profile-level-id", DEFAULT));
    }

    /**
     * ITU-T H.264 §A.2 and §7.4.2.1.1: the constraint_set flags are the top bits of profile_iop, set0 first; the two
     * lowest bits are reserved. A decoder of the constrained profile can decode a stream that declares it either by
     * its own idc or by another idc whose constraint flags say the stream also conforms to it.
     */
    private static Profile profile(int idc, int iop) {
        boolean set0 = (iop & 0x80) != 0;
        boolean set1 = (iop & 0x40) != 0;
        boolean set3 = (iop & 0x10) != 0;
        boolean set4 = (iop & 0x08) != 0;
        boolean set5 = (iop & 0x04) != 0;
        // set3 with a level_idc of 11 means level 1b for Baseline, Main and Extended (§7.4.2.1.1): not a profile flag.
        boolean upperFlags = set4 || set5;
        return switch (idc) {
            case 0x42 -> upperFlags ? Profile.OTHER : set1 ? Profile.CONSTRAINED_BASELINE : Profile.BASELINE;
            case 0x4D -> upperFlags ? Profile.OTHER : set0 ? Profile.CONSTRAINED_BASELINE : Profile.MAIN;
            case 0x58 -> upperFlags ? Profile.OTHER
                    : set0 && set1 ? Profile.CONSTRAINED_BASELINE : set0 ? Profile.BASELINE : Profile.EXTENDED;
            case 0x64 -> set4 && set5 && !set0 && !set1 && !set3 ? Profile.CONSTRAINED_HIGH
                    : iop == 0 ? Profile.HIGH : Profile.OTHER;
            case 0xF4 -> iop == 0 ? Profile.PREDICTIVE_HIGH_444 : Profile.OTHER;
            default -> Profile.OTHER;
        };
    }
}
