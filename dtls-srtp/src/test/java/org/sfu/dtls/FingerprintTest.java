package org.sfu.dtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class FingerprintTest {
    private static final byte[] ABC = "abc".getBytes(StandardCharsets.US_ASCII);
    /** FIPS 180-2 test vector: SHA-256("abc"). */
    private static final String SHA256_ABC =
            "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD";

    @ParameterizedTest
    @CsvSource({
        // hash function, expected digest of "abc" (FIPS 180 test vectors)
        "sha-1,   A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D",
        "sha-224, 23:09:7D:22:34:05:D8:22:86:42:A4:77:BD:A2:55:B3:2A:AD:BC:E4:BD:A0:B3:F7:E3:6C:9D:A7",
        "sha-256, " + SHA256_ABC,
        "SHA-256, " + SHA256_ABC,
    })
    void ofHashesTheDerBytes(String algorithm, String expected) {
        Fingerprint f = Fingerprint.of(algorithm, ABC);
        assertEquals(algorithm.toLowerCase(), f.algorithm());
        assertEquals(expected, f.value());
        assertTrue(f.matches(ABC));
        assertFalse(f.matches("abd".getBytes(StandardCharsets.US_ASCII)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "sha-256 " + SHA256_ABC,
        "SHA-256 " + SHA256_ABC,
        "sha-256 ba:78:16:bf:8f:01:cf:ea:41:41:40:de:5d:ae:22:23:b0:03:61:a3:96:17:7a:9c:b4:10:ff:61:f2:00:15:ad",
        "  sha-256\t" + SHA256_ABC + "  ",
    })
    void parseAcceptsAnyCaseAndCanonicalises(String attribute) {
        Fingerprint f = Fingerprint.parse(attribute);
        assertEquals(new Fingerprint("sha-256", SHA256_ABC), f);
        assertEquals("sha-256 " + SHA256_ABC, f.toSdpValue());
        assertTrue(f.matches(ABC));
    }

    static java.util.stream.Stream<String> garbage() {
        return java.util.stream.Stream.of(
            "",
            "sha-256",
            SHA256_ABC,
            "md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
            "sha-256 " + SHA256_ABC + " extra",
            "sha-256 BA:78:16",                                          // too short for SHA-256
            "sha-1 " + SHA256_ABC,                                       // length of another hash
            "sha-256 " + SHA256_ABC.replace(':', '-'),                   // wrong separator
            "sha-256 " + SHA256_ABC.replace("BA", "GZ"),                 // not hex
            "sha-256 " + SHA256_ABC.substring(0, SHA256_ABC.length() - 1) + ":");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("garbage")
    void parseRejectsGarbage(String attribute) {
        assertThrows(IllegalArgumentException.class, () -> Fingerprint.parse(attribute));
    }

    @Test
    void parseRejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> Fingerprint.parse(null));
    }

    @Test
    void ofRejectsUnknownHash() {
        assertThrows(IllegalArgumentException.class, () -> Fingerprint.of("md5", ABC));
    }

    @Test
    void generatedCertificateMatchesItsOwnFingerprint() {
        DtlsCertificate certificate = DtlsCertificate.generate();
        Fingerprint f = certificate.fingerprint();
        assertEquals("sha-256", f.algorithm());
        assertTrue(f.matches(certificate.derEncoded()));
        assertEquals(f, Fingerprint.parse(f.toSdpValue()));
        assertFalse(f.matches(DtlsCertificate.generate().derEncoded()));
    }
}
