package org.sfu.signaling.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminAccessTest {
    private static final String TOKEN = "an-operator-token-of-32-characters";

    @Test
    void withoutATokenOnlyTheMachineItselfIsServed() {
        AdminAccess access = AdminAccess.fromEnvironment(Map.of());
        assertFalse(access.requiresToken());
        assertEquals(0, access.refusal("127.0.0.1", null));
        assertEquals(0, access.refusal("127.0.0.2", null), "all of 127.0.0.0/8");
        assertEquals(0, access.refusal("0:0:0:0:0:0:0:1", null));
        assertEquals(403, access.refusal("192.0.2.7", null), "another machine");
        assertEquals(403, access.refusal("192.0.2.7", "Bearer " + TOKEN), "a token counts for nothing then");
        assertEquals(403, access.refusal(null, null));
    }

    @Test
    void withATokenEveryRequestMustBearIt() {
        AdminAccess access = AdminAccess.fromEnvironment(Map.of("SFU_ADMIN_TOKEN", TOKEN));
        assertTrue(access.requiresToken());
        assertEquals(0, access.refusal("192.0.2.7", "Bearer " + TOKEN));
        assertEquals(401, access.refusal("127.0.0.1", null), "loopback too");
        assertEquals(401, access.refusal("192.0.2.7", "Bearer " + TOKEN.substring(1)));
        assertEquals(401, access.refusal("192.0.2.7", "Basic " + TOKEN));
        assertEquals(401, access.refusal("192.0.2.7", "Bearer " + TOKEN + "x"));
    }

    @Test
    void aShortTokenIsRefusedAtStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AdminAccess.fromEnvironment(Map.of("SFU_ADMIN_TOKEN", "secret")));
        assertTrue(e.getMessage().contains("SFU_ADMIN_TOKEN"), e.getMessage());
    }
}
