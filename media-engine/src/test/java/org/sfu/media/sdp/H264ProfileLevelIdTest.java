package org.sfu.media.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sfu.media.sdp.H264ProfileLevelId.Profile;

/** H.264 profile-level-id as WebRTC stacks write it (RFC 6184 §8.1, ITU-T H.264 §A.2). */
class H264ProfileLevelIdTest {

    @ParameterizedTest(name = "{0} is {1} at level_idc {2}")
    @CsvSource({
            "42e01f, CONSTRAINED_BASELINE, 31",   // Chromium
            "42E01F, CONSTRAINED_BASELINE, 31",   // hex is case-insensitive
            "42e034, CONSTRAINED_BASELINE, 52",   // Chromium and iOS at a higher level
            "42c01f, CONSTRAINED_BASELINE, 31",   // iOS (VideoToolbox), Android hardware encoders
            "42401f, CONSTRAINED_BASELINE, 31",   // constraint_set1 alone
            "4d401f, MAIN, 31",                   // main idc without constraint_set0
            "4d801f, CONSTRAINED_BASELINE, 31",   // main idc whose constraint_set0 says baseline-decodable
            "42001f, BASELINE, 31",
            "420010, BASELINE, 16",               // the RFC's default
            "4d001f, MAIN, 31",
            "58c01f, CONSTRAINED_BASELINE, 31",
            "58801f, BASELINE, 31",
            "58001f, EXTENDED, 31",
            "640c1f, CONSTRAINED_HIGH, 31",
            "640c34, CONSTRAINED_HIGH, 52",
            "64001f, HIGH, 31",
            "f4001f, PREDICTIVE_HIGH_444, 31",
            "42081f, OTHER, 31",                  // constraint_set4 has no meaning for baseline
            "6e001f, OTHER, 31"})                 // High 10: not a WebRTC profile
    void readsTheProfileFromTheIdcAndTheConstraintFlags(String value, Profile profile, int level) {
        H264ProfileLevelId parsed = H264ProfileLevelId.parse(value);
        assertEquals(profile, parsed.profile());
        assertEquals(level, parsed.levelIdc());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "42e01", "42e01f0", "xyzxyz", "-42e01", "+42e01"})
    void malformedValuesAreNotRead(String value) {
        assertNull(H264ProfileLevelId.parse(value));
    }

    @Test
    void twoSpellingsOfOneProfileAtTwoLevelsAreTheSameCodecButNotAnotherProfile() {
        RtpCodec chromium = h264(102, "42e01f", "1");
        assertTrue(chromium.sameCodecAs(h264(98, "42e034", "1")), "another level (level-asymmetry-allowed)");
        assertTrue(chromium.sameCodecAs(h264(98, "42c01f", "1")), "another spelling of constrained baseline");
        assertFalse(chromium.sameCodecAs(h264(98, "42001f", "1")), "baseline is not constrained baseline");
        assertFalse(chromium.sameCodecAs(h264(98, "640c1f", "1")), "constrained high");
        assertFalse(chromium.sameCodecAs(h264(98, "42e01f", "0")), "another packetization mode");
        assertTrue(h264(98, "6e001f", "1").sameCodecAs(h264(99, "6E0028", "1")),
                "a profile not named here is compared by idc and flags");
    }

    private static RtpCodec h264(int pt, String profileLevelId, String mode) {
        return new RtpCodec(pt, "H264", 90000, 1, Map.of("level-asymmetry-allowed", "1", "packetization-mode", mode,
                "profile-level-id", profileLevelId), java.util.List.of());
    }
}
