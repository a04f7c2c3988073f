package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The demo app at {@code /}, used as a person would: two headless Chromium type a room and a name into the join
 * screen and click Join (real DOM events through WebDriver); each sees one tile of the other, labelled with the
 * other's name (as text, never markup) and playing its video; the stats overlay shows what flows; another
 * microphone can be chosen; muting the microphone silences what the other side receives, and unmuting brings it
 * back; the camera turns off and on; leaving removes the tile on the other side. A phone-sized window shows the grid without horizontal scrolling. Screenshots of the grid are saved in
 * target/demo-app/ for a human to look at.
 */
class DemoAppIT {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final String ROOM = "demo-it";
    /** Markup in a name must show as these characters, not become an element. */
    private static final String ALICE = "Alice <i>x</i> & co";
    private static final String BOB = "Bob Zoë";
    private static final Path ARTIFACTS = Path.of("target", "demo-app");
    /** The audio the receiver decodes over this window tells whether the sender's microphone is on. */
    private static final Duration AUDIO_WINDOW = Duration.ofSeconds(2);
    /**
     * Audio levels (0..1 of full scale, as getStats' audioLevel) that tell sound from silence. The fake microphone's
     * beeps decode at an average level of 0.2 to 0.5 over a window; decoded silence at about 0.001.
     */
    private static final double SPEAKING_LEVEL = 0.05;
    private static final double SILENT_LEVEL = 0.01;

    private SfuServer server;

    @BeforeEach
    void start() throws Exception {
        server = SfuServer.start(LoopbackServer.config());
        Files.createDirectories(ARTIFACTS);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void twoPeopleJoinSeeEachOtherMuteAndLeave() throws Exception {
        try (HeadlessChromium alice = new HeadlessChromium(); HeadlessChromium bob = new HeadlessChromium()) {
            alice.driver().manage().window().setSize(new Dimension(1280, 800));
            bob.driver().manage().window().setSize(new Dimension(1280, 800));
            String app = "https://localhost:" + server.httpPort() + "/";
            alice.open(app);
            bob.open(app);
            joinThroughTheForm(alice, ALICE);
            joinThroughTheForm(bob, BOB);

            // Each sees exactly one remote tile, labelled with the other's name, with its video playing.
            String aliceId = ChromiumPages.clientId(alice, DEADLINE);
            String bobId = ChromiumPages.clientId(bob, DEADLINE);
            awaitOneRemoteTile(alice, bobId, BOB);
            awaitOneRemoteTile(bob, aliceId, ALICE);
            assertEquals(0L, ((Number) bob.run("return document.querySelectorAll('#grid .tile .name *').length"))
                    .longValue(), "the name's markup is text, not elements");
            for (HeadlessChromium page : List.of(alice, bob)) {
                long before = HeadlessChromium.number(page.stats(), "framesDecoded");
                page.awaitStats(DEADLINE, "frames still being decoded",
                        s -> HeadlessChromium.number(s, "framesDecoded") >= before + 15);
            }
            screenshot(bob, "grid.png");

            // The stats overlay: what arrives per tile, what leaves, and the path.
            bob.driver().findElement(By.id("stats")).click();
            Poll.until(DEADLINE, () -> {
                String remote = text(bob, "#remote-" + aliceId + " .stats");
                String local = text(bob, "#local-tile .stats");
                return remote.matches("(?s).*↓ video [1-9]\\d* kb/s VP8, lost \\d+ \\(\\d+\\.\\d%\\).*")
                        && remote.matches("(?s).*↓ audio [1-9]\\d* kb/s opus.*")
                        && local.matches("(?s).*↑ video [1-9]\\d* kb/s VP8.*")
                        && local.matches("(?s).*RTT \\d+ ms, \\w+/udp → host/udp.*");
            }, () -> "stats overlay: remote [" + text(bob, "#remote-" + aliceId + " .stats") + "], local ["
                    + text(bob, "#local-tile .stats") + "]");
            screenshot(bob, "grid-stats.png");
            bob.driver().findElement(By.id("stats")).click();

            // Device selection lists the (fake) devices; choosing another microphone puts it on the same sender.
            alice.driver().findElement(By.id("devices")).click();
            Poll.until(DEADLINE, () -> options(alice, "video-input") >= 1 && options(alice, "audio-input") >= 2,
                    () -> "device lists: " + options(alice, "video-input") + " cameras, "
                            + options(alice, "audio-input") + " microphones");
            Select microphones = new Select(alice.driver().findElement(By.id("audio-input")));
            String current = String.valueOf(alice.run("return window.sfu.audioSender.track.getSettings().deviceId"));
            WebElement other = microphones.getOptions().stream()
                    .filter(o -> !o.getAttribute("value").equals(current)).findFirst().orElseThrow();
            String otherLabel = other.getText();
            microphones.selectByValue(other.getAttribute("value"));
            Poll.until(DEADLINE, () -> otherLabel.equals(alice.run("return window.sfu.audioSender.track.label")),
                    () -> "the sender's microphone is " + alice.run("return window.sfu.audioSender.track.label")
                            + ", not " + otherLabel + "; log " + alice.stats().get("log"));
            alice.driver().findElement(By.id("devices")).click();

            // Mute: what Bob decodes of Alice's audio goes silent; unmute: it comes back.
            awaitAudioEnergyRate(bob, true, energyOver(AUDIO_WINDOW, SPEAKING_LEVEL));
            alice.driver().findElement(By.id("mic")).click();
            assertEquals("true", alice.driver().findElement(By.id("mic")).getAttribute("aria-pressed"));
            awaitAudioEnergyRate(bob, false, energyOver(AUDIO_WINDOW, SILENT_LEVEL));
            alice.driver().findElement(By.id("mic")).click();
            awaitAudioEnergyRate(bob, true, energyOver(AUDIO_WINDOW, SPEAKING_LEVEL));

            // Camera off: Bob decodes no more frames of Alice; camera on: they come again.
            alice.driver().findElement(By.id("camera")).click();
            awaitFramesStopped(bob);
            alice.driver().findElement(By.id("camera")).click();
            long off = HeadlessChromium.number(bob.stats(), "framesDecoded");
            bob.awaitStats(DEADLINE, "frames after the camera is back",
                    s -> HeadlessChromium.number(s, "framesDecoded") >= off + 15);

            // A phone-sized window: the grid fits its width, nothing scrolls sideways.
            bob.driver().manage().window().setSize(new Dimension(390, 844));
            Poll.until(DEADLINE, () -> ((Number) bob.run("return window.innerWidth")).longValue() <= 420,
                    () -> "the window did not shrink: innerWidth " + bob.run("return window.innerWidth"));
            assertFitsItsWidth(bob, "in the call");
            screenshot(bob, "grid-phone.png");

            // Leave: Alice's tile goes from Bob's grid, and Alice is back at the join screen.
            alice.driver().findElement(By.id("leave")).click();
            Poll.until(DEADLINE, () -> remoteTiles(bob) == 0,
                    () -> "Bob still sees " + remoteTiles(bob) + " remote tiles; log " + bob.stats().get("log"));
            assertTrue(alice.driver().findElement(By.id("join-screen")).isDisplayed(), "Alice is back at the join");
            Poll.until(DEADLINE, () -> server.clientCount() == 1);
            assertEquals(List.of(), alice.stats().get("errors"), "Alice's page errors");
            assertEquals(List.of(), bob.stats().get("errors"), "Bob's page errors");

            assertFitsItsWidth(alice, "after leaving (join screen, desktop)");
            alice.driver().manage().window().setSize(new Dimension(390, 844));
            Poll.until(DEADLINE, () -> ((Number) alice.run("return window.innerWidth")).longValue() <= 420);
            assertFitsItsWidth(alice, "join screen on a phone");
            screenshot(alice, "join-phone.png");
        }
        Poll.until(DEADLINE, () -> server.clientCount() == 0 && server.media().openTransports() == 0);
    }

    /** Types the room and the name into the join screen and clicks Join, as a person would. */
    private static void joinThroughTheForm(HeadlessChromium page, String name) {
        WebElement room = page.driver().findElement(By.id("room"));
        room.clear();
        room.sendKeys(ROOM);
        WebElement nameField = page.driver().findElement(By.id("name"));
        nameField.clear();
        nameField.sendKeys(name);
        page.driver().findElement(By.id("join")).click();
    }

    private static void awaitOneRemoteTile(HeadlessChromium page, String otherId, String otherName)
            throws InterruptedException {
        String tile = "#remote-" + otherId;
        Poll.until(DEADLINE, () -> remoteTiles(page) == 1
                        && otherName.equals(text(page, tile + " .name"))
                        && ((Number) page.run("const v = document.querySelector('" + tile + " video');"
                                + " return v ? v.videoWidth : 0")).longValue() > 0,
                () -> "expected one tile of " + otherName + " with video; tiles " + remoteTiles(page) + ", label ["
                        + text(page, tile + " .name") + "], page " + page.stats());
    }

    private static long remoteTiles(HeadlessChromium page) {
        return ((Number) page.run("return document.querySelectorAll('#grid .tile.remote').length")).longValue();
    }

    private static long options(HeadlessChromium page, String select) {
        return ((Number) page.run("return document.getElementById('" + select + "').options.length")).longValue();
    }

    private static String text(HeadlessChromium page, String selector) {
        Object text = page.run("const e = document.querySelector('" + selector + "'); return e ? e.textContent : ''");
        return String.valueOf(text);
    }

    /** The total energy of the audio the page has decoded (getStats inbound-rtp totalAudioEnergy, summed). */
    private static double audioEnergy(HeadlessChromium page) {
        Object energy = page.run("""
                return window.sfu.pc.getStats().then(stats => {
                  let total = 0;
                  stats.forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'audio') {
                    total += s.totalAudioEnergy || 0; } });
                  return total;
                });
                """);
        return ((Number) energy).doubleValue();
    }

    /**
     * Waits until, over a window of {@link #AUDIO_WINDOW}, the energy the page decodes rises by more than
     * {@code threshold} (loud) or by at most it (silent), sampling as it goes; returns that window's rise.
     */
    private static double awaitAudioEnergyRate(HeadlessChromium page, boolean loud, double threshold)
            throws InterruptedException {
        Deque<double[]> samples = new ArrayDeque<>();
        double[] rise = {-1};
        Poll.until(DEADLINE.plus(AUDIO_WINDOW), () -> {
            double now = System.nanoTime() / 1e9;
            samples.addLast(new double[] {now, audioEnergy(page)});
            // The oldest sample at least one window old gives the rise over (about) the window.
            double[] start = null;
            while (!samples.isEmpty() && now - samples.peekFirst()[0] >= AUDIO_WINDOW.toMillis() / 1000.0) {
                start = samples.pollFirst();
            }
            if (start == null) {
                return false;
            }
            samples.addFirst(start);
            rise[0] = samples.peekLast()[1] - start[1];
            return loud ? rise[0] > threshold : rise[0] <= threshold;
        }, () -> "the decoded audio energy did not become " + (loud ? "loud" : "silent") + ": it rose by " + rise[0]
                + " over " + AUDIO_WINDOW + " (threshold " + threshold + "); page " + page.stats());
        System.out.println((loud ? "loud" : "silent") + ": audio energy rose by " + rise[0] + " over " + AUDIO_WINDOW);
        return rise[0];
    }

    /** totalAudioEnergy grows by level² per second of audio at that level (W3C webrtc-stats, totalAudioEnergy). */
    private static double energyOver(Duration window, double level) {
        return level * level * window.toMillis() / 1000.0;
    }

    /** Waits until the page decodes no new frame over a whole {@link #AUDIO_WINDOW}. */
    private static void awaitFramesStopped(HeadlessChromium page) throws InterruptedException {
        long[] since = {HeadlessChromium.number(page.stats(), "framesDecoded"), System.nanoTime()};
        Poll.until(DEADLINE.plus(AUDIO_WINDOW), () -> {
            long frames = HeadlessChromium.number(page.stats(), "framesDecoded");
            if (frames != since[0]) {
                since[0] = frames;
                since[1] = System.nanoTime();
            }
            return System.nanoTime() - since[1] >= AUDIO_WINDOW.toNanos();
        }, () -> "frames kept coming with the camera off: " + since[0]);
    }

    private static void assertFitsItsWidth(HeadlessChromium page, String where) {
        @SuppressWarnings("unchecked")
        Map<String, Object> sizes = (Map<String, Object>) page.run(
                "return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }");
        long scrollWidth = ((Number) sizes.get("scrollWidth")).longValue();
        long innerWidth = ((Number) sizes.get("innerWidth")).longValue();
        assertTrue(scrollWidth <= innerWidth, where + ": no horizontal overflow: " + sizes);
    }

    private static void screenshot(HeadlessChromium page, String file) throws Exception {
        Files.write(ARTIFACTS.resolve(file), page.driver().getScreenshotAs(OutputType.BYTES));
    }
}
