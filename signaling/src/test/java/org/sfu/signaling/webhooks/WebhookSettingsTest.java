package org.sfu.signaling.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SFU_WEBHOOK_URLS and SFU_WEBHOOK_SECRET: read, defaulted, or refused with a message naming the setting. */
class WebhookSettingsTest {
    private static final String SECRET = "a-webhook-secret-of-32-characters!";

    @Test
    void withoutUrlsWebhooksAreOff() {
        assertFalse(WebhookSettings.from(Map.of()).enabled());
        assertFalse(WebhookSettings.from(Map.of("SFU_WEBHOOK_URLS", " ")).enabled());
        assertFalse(WebhookSettings.from(Map.of("SFU_WEBHOOK_SECRET", SECRET)).enabled());
    }

    @Test
    void urlsAreCommaSeparatedTrimmedAndEachListedOnce() {
        WebhookSettings s = WebhookSettings.from(Map.of("SFU_WEBHOOK_URLS",
                "https://hooks.example.com/sfu, http://10.0.0.5:8080/in ,https://hooks.example.com/sfu",
                "SFU_WEBHOOK_SECRET", SECRET));
        assertTrue(s.enabled());
        assertEquals(List.of(URI.create("https://hooks.example.com/sfu"), URI.create("http://10.0.0.5:8080/in")),
                s.urls());
        assertEquals(SECRET, s.secret());
        assertEquals(WebhookSettings.Delivery.DEFAULT, s.delivery());
    }

    @Test
    void urlsWithoutASecretAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WebhookSettings.from(Map.of("SFU_WEBHOOK_URLS", "https://hooks.example.com/sfu")));
        assertTrue(e.getMessage().contains("SFU_WEBHOOK_SECRET"), e.getMessage());
    }

    @Test
    void aShortSecretIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WebhookSettings.from(Map.of("SFU_WEBHOOK_URLS", "https://hooks.example.com/sfu",
                        "SFU_WEBHOOK_SECRET", "only-23-characters-long")));
        assertTrue(e.getMessage().contains("SFU_WEBHOOK_SECRET") && e.getMessage().contains("24"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://hooks.example.com/sfu", "hooks.example.com/sfu", "https:///nohost", "http://[bad",
            "mailto:ops@example.com", "https://user:s3cret-pw@hooks.example.com/sfu"})
    void anythingButAnHttpOrHttpsUrlWithAHostIsRefused(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WebhookSettings.from(Map.of("SFU_WEBHOOK_URLS", url, "SFU_WEBHOOK_SECRET", SECRET)));
        assertTrue(e.getMessage().contains("SFU_WEBHOOK_URLS"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret-pw"), "a credential is never repeated: " + e.getMessage());
    }

    @Test
    void theSecretNeverShowsInTheSettingsText() {
        WebhookSettings s = WebhookSettings.from(Map.of("SFU_WEBHOOK_URLS", "https://hooks.example.com/sfu",
                "SFU_WEBHOOK_SECRET", SECRET));
        assertFalse(s.toString().contains(SECRET), s.toString());
        assertTrue(s.toString().contains("hooks.example.com"), s.toString());
    }
}
