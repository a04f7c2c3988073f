package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.remote.RemoteWebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real WebRTC peer for tests: Debian's headless Chromium with a fake camera and microphone, driven through the
 * system chromedriver (Selenium never downloads one). A missing browser fails the test; it never skips.
 */
public final class HeadlessChromium implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final int OPEN_ATTEMPTS = 4;

    /** Reads what a test asserts on from the page's RTCPeerConnection (window.sfu.pc). */
    private static final String STATS_SCRIPT = """
            const done = arguments[arguments.length - 1];
            (async () => {
              const sfu = window.sfu;
              if (!sfu || !sfu.pc) {
                // No call yet: say how far the page got, so that a test that times out here shows why.
                done({ noPeerConnection: true, url: location.href, readyState: document.readyState,
                       page: location.href.startsWith('chrome-error:') && document.body
                           ? document.body.innerText.slice(0, 300) : undefined,
                       errors: sfu ? sfu.errors.map(String) : [], log: sfu ? sfu.log.slice(-20) : [] });
                return;
              }
              const stats = await sfu.pc.getStats();
              const result = { framesDecoded: 0, audioPacketsReceived: 0, videoTracks: 0, audioTracks: 0,
                               remoteAddress: null, remotePort: null, remoteProtocol: null,
                               clientId: sfu.clientId, errors: sfu.errors.map(e => typeof e === 'string' ? e : JSON.stringify(e)), log: sfu.log.slice(-20),
                               firstFrameDelays: sfu.firstFrameDelays,
                               participants: sfu.participants, transceivers: sfu.pc.getTransceivers().length,
                               dominantSpeaker: sfu.dominantSpeaker,
                               inboundVideo: {}, inboundAudio: {}, inboundAudioEnergy: {},
                               midToParticipant: sfu.midToParticipant,
                               connectionState: sfu.pc.connectionState };
              let transport = null;
              const pairs = [];
              stats.forEach(s => {
                if (s.type === 'inbound-rtp' && s.kind === 'video') {
                  result.framesDecoded += s.framesDecoded || 0;
                  result.videoTracks++;
                  result.inboundVideo[s.mid] = s.framesDecoded || 0;
                  result.videoNackCount = (result.videoNackCount || 0) + (s.nackCount || 0);
                  result.videoPacketsLost = (result.videoPacketsLost || 0) + (s.packetsLost || 0);
                  result.videoPacketsReceived = (result.videoPacketsReceived || 0) + (s.packetsReceived || 0);
                  result.videoRetransmittedPacketsReceived = (result.videoRetransmittedPacketsReceived || 0)
                      + (s.retransmittedPacketsReceived || 0);
                  result.videoRtxSsrc = s.rtxSsrc || null;
                  result.videoFreezeCount = (result.videoFreezeCount || 0) + (s.freezeCount || 0);
                }
                if (s.type === 'inbound-rtp' && s.kind === 'audio') {
                  result.audioPacketsReceived += s.packetsReceived || 0;
                  result.audioTracks++;
                  result.inboundAudio[s.mid] = s.packetsReceived || 0;
                  result.inboundAudioEnergy[s.mid] = s.totalAudioEnergy || 0;
                }
                if (s.type === 'transport') { transport = s; }
                if (s.type === 'candidate-pair') { pairs.push(s); }
                if (s.type === 'remote-inbound-rtp' && s.kind === 'video') {
                  result.videoRoundTripMeasurements = s.roundTripTimeMeasurements || 0;
                  result.videoRoundTripTime = s.roundTripTime;
                }
                if (s.type === 'outbound-rtp' && s.kind === 'video') {
                  result.videoBytesSent = (result.videoBytesSent || 0) + (s.bytesSent || 0);
                  result.videoPliReceived = (result.videoPliReceived || 0) + (s.pliCount || 0);
                  result.videoSsrcSent = s.ssrc;
                  result.videoTargetBitrate = s.targetBitrate || 0;
                  result.now = s.timestamp;
                }
              });
              result.selectedPairId = transport ? transport.selectedCandidatePairId || null : null;
              // Every candidate pair in one line each, for the failure message of a test about paths (ICE restarts):
              // whether the browser sent checks on it and got answers.
              result.pairs = pairs.map(p => {
                const local = stats.get(p.localCandidateId) || {};
                const remote = stats.get(p.remoteCandidateId) || {};
                return `${p.id} ${p.state}${p.nominated ? ' nominated' : ''} checks ${p.requestsSent || 0}/`
                    + `${p.responsesReceived || 0} in ${p.requestsReceived || 0} ${local.protocol}:${local.port} -> `
                    + `${remote.address}:${remote.port}`;
              });
              if (transport && transport.selectedCandidatePairId) {
                const pair = stats.get(transport.selectedCandidatePairId);
                const remote = pair && stats.get(pair.remoteCandidateId);
                if (pair) {
                  result.availableOutgoingBitrate = pair.availableOutgoingBitrate || 0;
                }
                if (remote) {
                  result.remoteAddress = remote.address;
                  result.remotePort = remote.port;
                  result.remoteProtocol = remote.protocol;
                }
              }
              done(result);
            })().catch(e => done({ error: String(e) }));
            """;

    private final RemoteWebDriver driver;
    private final Path profile;
    /** The chromedriver started inside a network namespace, or null when Selenium runs its own. */
    private final Process namespacedDriver;

    public HeadlessChromium() throws IOException {
        this(null);
    }

    /**
     * A browser inside a {@link TestNetwork} namespace: chromedriver runs there too (so that Chromium and its
     * network are inside), and the test reaches it over the simulated network at {@code address}.
     */
    static HeadlessChromium inNamespace(String namespace, String address) throws IOException {
        return new HeadlessChromium(null, namespace, address);
    }

    /**
     * @param fakeCamera a Y4M file the fake camera plays instead of its own pattern (which compresses so well that
     *                   the encoder never fills the bitrate it is allowed), or null for the pattern
     */
    public HeadlessChromium(Path fakeCamera) throws IOException {
        this(fakeCamera, null, null);
    }

    private HeadlessChromium(Path fakeCamera, String namespace, String address) throws IOException {
        assertTrue(Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER)),
                "Chromium is required: apt-get install -y chromium chromium-driver");
        profile = Files.createTempDirectory("sfu-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments(
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile,
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                "--ignore-certificate-errors", "--allow-loopback-in-peer-connection",
                "--autoplay-policy=no-user-gesture-required",
                // No name resolves but the addresses tests connect to: nothing the browser does on its own (or a
                // page asks for) leaves the machine.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
                        + (namespace == null ? ""
                                : ", EXCLUDE " + TestNetwork.SERVER + ", EXCLUDE " + TestNetwork.PUBLISHED_SERVER),
                // Services that would look for cast devices or fetch hints from Google.
                "--disable-features=MediaRouter,DialMediaRouteProvider,OptimizationHints");
        if (fakeCamera != null) {
            options.addArguments("--use-file-for-fake-video-capture=" + fakeCamera);
        }
        if (namespace == null) {
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File(CHROMEDRIVER))
                    .usingAnyFreePort()
                    .build();
            namespacedDriver = null;
            driver = new ChromeDriver(service, options);
        } else {
            namespacedDriver = TestNetwork.spawn(namespace, profile.resolve("chromedriver.log"), CHROMEDRIVER,
                    "--port=" + TestNetwork.CHROMEDRIVER_PORT, "--allowed-ips=" + TestNetwork.SERVER,
                    "--allowed-origins=*");
            URL url = new URL("http://" + address + ":" + TestNetwork.CHROMEDRIVER_PORT);
            try {
                awaitDriver(url);
                driver = new NamespacedDriver(url, options);
            } catch (IOException | RuntimeException e) {
                namespacedDriver.destroyForcibly();
                throw e;
            }
        }
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    }

    /**
     * Writes a 640x480, 30 fps Y4M clip that looks to an encoder like a real camera: a textured still scene (8x8
     * blocks of random brightness) with low-amplitude sensor noise that changes every frame. Chromium's own fake
     * pattern compresses so well that its encoder never fills the bitrate it is allowed.
     */
    static Path cameraClip(Path directory, int frames) throws IOException {
        Path clip = directory.resolve("camera-640x480.y4m");
        java.util.Random random = new java.util.Random(7);
        int width = 640;
        int height = 480;
        byte[] scene = new byte[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                scene[y * width + x] = (byte) (40 + ((x / 8 * 7919 + y / 8 * 104729) % 176));
            }
        }
        byte[] frame = new byte[width * height * 3 / 2];
        java.util.Arrays.fill(frame, width * height, frame.length, (byte) 128);
        try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(clip))) {
            out.write(("YUV4MPEG2 W" + width + " H" + height + " F30:1 Ip A1:1 C420jpeg\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            for (int i = 0; i < frames; i++) {
                for (int p = 0; p < scene.length; p++) {
                    frame[p] = (byte) ((scene[p] & 0xff) + random.nextInt(9) - 4);
                }
                out.write("FRAME\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                out.write(frame);
            }
        }
        return clip;
    }

    /** Polls chromedriver's status endpoint until it answers (it takes a moment to listen). */
    private static void awaitDriver(URL base) throws IOException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                java.net.HttpURLConnection c = (java.net.HttpURLConnection) new URL(base, "/status").openConnection();
                c.setConnectTimeout(1000);
                c.setReadTimeout(2000);
                if (c.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        throw new IOException("chromedriver at " + base + " did not answer", last);
    }

    /**
     * Opens {@code url}, retrying a navigation that ended on Chromium's error page (a net error such as
     * ERR_NETWORK_CHANGED; Chromium does not retry it, and a test would otherwise wait its whole deadline on a page
     * that never loads). Each failure is printed with the error page's text, so that its cause shows in the log.
     */
    public void open(String url) {
        for (int attempt = 1; ; attempt++) {
            driver.get(url);
            Object href = run("return location.href");
            if (!String.valueOf(href).startsWith("chrome-error:")) {
                return;
            }
            String page = String.valueOf(run("return document.body ? document.body.innerText.slice(0, 300) : ''"))
                    .replaceAll("\\s+", " ");
            System.out.println("HeadlessChromium: " + url + " did not load (attempt " + attempt + "): " + page);
            if (attempt == OPEN_ATTEMPTS) {
                throw new AssertionError(url + " did not load in " + OPEN_ATTEMPTS + " attempts: " + page);
            }
        }
    }

    /** Runs the script in every page before the page's own scripts (DevTools Page.addScriptToEvaluateOnNewDocument). */
    public void beforeEveryPage(String script) {
        if (driver instanceof NamespacedDriver remote) {
            remote.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", script));
            return;
        }
        ((ChromeDriver) driver).executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", script));
    }

    /**
     * A chromedriver reached over the network (inside a namespace): the plain remote protocol plus chromedriver's own
     * DevTools command, which a local {@link ChromeDriver} has built in.
     */
    private static final class NamespacedDriver extends RemoteWebDriver {
        private static final String CDP = "executeCdpCommand";

        NamespacedDriver(URL url, ChromeOptions options) {
            super(new org.openqa.selenium.remote.HttpCommandExecutor(Map.of(CDP,
                    new org.openqa.selenium.remote.CommandInfo("/session/:sessionId/goog/cdp/execute",
                            org.openqa.selenium.remote.http.HttpMethod.POST)), url), options);
        }

        void executeCdpCommand(String command, Map<String, Object> parameters) {
            execute(CDP, Map.of("cmd", command, "params", parameters));
        }
    }

    /** The browser itself, for tests that use the page as a person would (typing, clicking, screenshots). */
    public RemoteWebDriver driver() {
        return driver;
    }

    /** Runs a script in the page. */
    public Object run(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    /**
     * The page's current WebRTC statistics (see STATS_SCRIPT); before its peer connection exists, only
     * {@code noPeerConnection}, the page's address, load state, errors and log.
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> stats() {
        return (Map<String, Object>) ((JavascriptExecutor) driver).executeAsyncScript(STATS_SCRIPT);
    }

    /** Polls the page's statistics until the condition holds; fails with the last statistics seen. */
    public Map<String, Object> awaitStats(Duration timeout, String what, Predicate<Map<String, Object>> condition) {
        Map<String, Object>[] last = new Map[1];
        try {
            new WebDriverWait(driver, timeout, Duration.ofMillis(250)).until(d -> {
                Map<String, Object> s = stats();
                last[0] = s;
                return s != null && !s.containsKey("error") && !s.containsKey("noPeerConnection") && condition.test(s);
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + "; last stats: " + last[0], e);
        }
        return last[0];
    }

    /**
     * Frames decoded (video) or packets received (audio) per remote participant, summed over the m-lines that
     * carry that participant's stream (the page learns mid → participant from a=msid in ontrack).
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Long> perParticipant(Map<String, Object> stats, String inboundKey) {
        Map<String, Object> byMid = (Map<String, Object>) stats.get(inboundKey);
        Map<String, Object> owners = (Map<String, Object>) stats.get("midToParticipant");
        Map<String, Long> out = new java.util.HashMap<>();
        if (byMid == null || owners == null) {
            return out;
        }
        byMid.forEach((mid, value) -> {
            Object owner = owners.get(mid);
            if (owner != null && value instanceof Number n) {
                out.merge((String) owner, n.longValue(), Long::sum);
            }
        });
        return out;
    }

    public static long number(Map<String, Object> stats, String key) {
        Object v = stats.get(key);
        return v instanceof Number n ? n.longValue() : -1;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            if (namespacedDriver != null) {
                namespacedDriver.destroyForcibly();
            }
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // A leftover temporary profile is harmless.
            }
        }
    }
}
