package org.sfu.signaling.webhooks;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where the server POSTs its webhooks and what signs them: {@code SFU_WEBHOOK_URLS} (comma-separated http or https
 * URLs; none: webhooks off) and {@code SFU_WEBHOOK_SECRET} (the HMAC key, required with URLs). {@link #toString()}
 * never shows the secret.
 *
 * @param urls     the receivers, each getting every event, in order
 * @param secret   the key of the {@code X-Sfu-Signature} HMAC (docs/ADMIN.md, Webhooks); null when off
 * @param delivery how hard delivery tries
 */
public record WebhookSettings(List<URI> urls, String secret, Delivery delivery) {
    /** A shorter secret is too easy to guess for a receiver that trusts what it signs. */
    public static final int MIN_SECRET_CHARS = 24;
    /** Webhooks off. */
    public static final WebhookSettings OFF = new WebhookSettings(List.of(), null, Delivery.DEFAULT);

    /**
     * How delivery to one receiver goes: each event is tried up to {@code maxAttempts} times, waiting
     * {@code firstRetryDelay} after the first failure and twice as long after each next one; an attempt fails on a
     * network error, a status outside 2xx, or no answer within {@code requestTimeout}. At most {@code queueCapacity}
     * events wait per receiver; beyond that the oldest waiting one is dropped (and counted), so a dead receiver costs
     * a bounded amount of memory.
     */
    public record Delivery(int maxAttempts, Duration firstRetryDelay, int queueCapacity, Duration requestTimeout) {
        /** 0.5 s, 1 s, 2 s, 4 s between five attempts: a receiver that restarts within ~8 s loses nothing. */
        public static final Delivery DEFAULT = new Delivery(5, Duration.ofMillis(500), 1000, Duration.ofSeconds(10));

        public Delivery {
            if (maxAttempts < 1 || queueCapacity < 1) {
                throw new IllegalArgumentException("maxAttempts and queueCapacity must be at least 1");
            }
            Objects.requireNonNull(firstRetryDelay, "firstRetryDelay");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
        }
    }

    public WebhookSettings {
        urls = List.copyOf(urls);
        Objects.requireNonNull(delivery, "delivery");
        if (!urls.isEmpty()) {
            checkSecret(secret);
        }
    }

    /** Receivers at {@code urls} (validated like {@code SFU_WEBHOOK_URLS}'s), events signed with {@code secret}. */
    public static WebhookSettings of(List<String> urls, String secret, Delivery delivery) {
        List<URI> parsed = new ArrayList<>();
        for (String url : urls) {
            parsed.add(parseUrl(url));
        }
        return new WebhookSettings(parsed, secret, delivery);
    }

    /**
     * From SFU_WEBHOOK_URLS and SFU_WEBHOOK_SECRET; off when no URL is set.
     *
     * @throws IllegalArgumentException naming the setting, when a URL is not an http(s) URL or the secret is missing
     *                                  or short
     */
    public static WebhookSettings from(Map<String, String> env) {
        String list = env.get("SFU_WEBHOOK_URLS");
        if (list == null || list.isBlank()) {
            return OFF;
        }
        LinkedHashSet<String> urls = new LinkedHashSet<>();
        for (String url : list.split(",")) {
            if (!url.isBlank()) {
                urls.add(url.trim());
            }
        }
        return of(new ArrayList<>(urls), env.get("SFU_WEBHOOK_SECRET"), Delivery.DEFAULT);
    }

    public boolean enabled() {
        return !urls.isEmpty();
    }

    private static URI parseUrl(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("SFU_WEBHOOK_URLS: '" + url + "' is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("SFU_WEBHOOK_URLS must list http:// or https:// URLs with a host, not '"
                    + url + "'");
        }
        if (uri.getRawUserInfo() != null) {
            // It would be sent nowhere (the JDK's client ignores it) and shown in logs: the signature is what
            // tells the receiver the request is the server's.
            throw new IllegalArgumentException("SFU_WEBHOOK_URLS: put no user or password in '" + uri.getHost()
                    + "''s URL; receivers check the X-Sfu-Signature header instead");
        }
        return uri;
    }

    private static void checkSecret(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("SFU_WEBHOOK_SECRET must be set when SFU_WEBHOOK_URLS is: it signs "
                    + "every webhook (e.g. openssl rand -base64 32)");
        }
        if (secret.length() < MIN_SECRET_CHARS) {
            throw new IllegalArgumentException("SFU_WEBHOOK_SECRET must have at least " + MIN_SECRET_CHARS
                    + " characters, not " + secret.length());
        }
    }

    @Override
    public String toString() {
        return "WebhookSettings[urls=" + urls + ", secret=" + (secret == null ? "none" : "****") + ", delivery="
                + delivery + "]";
    }
}
