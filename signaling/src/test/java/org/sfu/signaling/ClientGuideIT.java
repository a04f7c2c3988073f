package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sfu.media.router.Peer;
import org.sfu.signaling.access.AccessTokenIssuer;

/**
 * The browser client of docs/CLIENTS.md, taken from the Markdown as it stands, makes calls through the server in
 * headless Chromium: nothing but the guide's module and a few lines of glue (the app's part: camera, a video element
 * per remote stream, a log of its events) run in the pages. So the guide cannot drift from what the server does.
 * The guide's React Native client runs the same way, its two imports mapped to what Chromium has: it is the browser
 * client with react-native-webrtc's event listeners and NetInfo, and both are checked here, though not on a phone.
 *
 * <p>The pages are blank documents of the server's own origin (a path it does not serve): a secure context, so
 * getUserMedia works, with nothing of the demo app in it. The module is imported from a blob: URL, as an app would
 * import its copy of sfu-client.js.
 */
class ClientGuideIT {
    /** The guide, from the signaling module's directory (failsafe's working directory). */
    static final Path GUIDE = Path.of("..", "docs", "CLIENTS.md");
    /** docs/CLIENTS.md's convention (its first lines): the fences after this marker, in order, make up a file. */
    private static final String MODULE_PART = "<!-- file: %s -->\\s*\\n```js\\n(.*?)\\n```";
    /**
     * The React Native module's two imports, and what stands in for them in Chromium: react-native-webrtc has the
     * browser's API, and NetInfo's listener is kept where the test can report a new network to it.
     */
    private static final Map<String, String> REACT_NATIVE_IMPORTS = Map.of(
            "import NetInfo from '@react-native-community/netinfo';", """
                    const NetInfo = {
                      addEventListener(listener) {
                        window.netInfoListener = listener;
                        listener({ isConnected: true, type: 'wifi', details: { ipAddress: '192.0.2.10' } });
                        return () => { window.netInfoListener = null; };
                      },
                    };""",
            "import { RTCPeerConnection } from 'react-native-webrtc';", "const { RTCPeerConnection } = window;");
    private static final String SECRET = "client-guide-test-secret-long-enough-for-hs256";
    private static final Duration MEDIA = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The app's part: camera and microphone, connectToSfu, a muted video element per participant, its events. */
    private static final String JOIN = """
            return (async () => {
              // For failure messages: the types of the messages the page received, in order.
              if (!window.sfuReceived) {
                window.sfuReceived = [];
                const Native = window.WebSocket;
                window.WebSocket = class extends Native {
                  constructor(...args) {
                    super(...args);
                    this.addEventListener('message', e => window.sfuReceived.push(JSON.parse(e.data).type));
                  }
                };
              }
              const { connectToSfu } = await import(URL.createObjectURL(
                  new Blob([%s], { type: 'text/javascript' })));
              const localStream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
              // What HeadlessChromium.stats() reads (window.sfu), taken from the guide's call object.
              const sfu = window.sfu = {
                call: null, events: [], errors: [], log: [], firstFrameDelays: [], midToParticipant: {},
                dominantSpeaker: null,
                get pc() { return this.call && this.call.pc; },
                get clientId() { return this.call && this.call.clientId; },
                get participants() { return this.call ? this.call.participants : []; },
              };
              try {
                sfu.call = await connectToSfu({
                  url: %s, room: %s, token: %s, localStream,
                  onRemoteTrack: ({ participantId, stream, transceiver }) => {
                    sfu.midToParticipant[transceiver.mid] = participantId;
                    if (!document.getElementById('p-' + participantId)) {
                      const video = document.createElement('video');
                      video.id = 'p-' + participantId;
                      video.autoplay = true;
                      video.muted = true;
                      video.srcObject = stream;
                      document.body.append(video);
                    }
                  },
                  onEvent: event => {
                    sfu.events.push(event);
                    sfu.log.push(JSON.stringify(event));
                    if (event.type === 'error' || event.type === 'client-error') sfu.errors.push(event);
                    if (event.type === 'dominant_speaker') sfu.dominantSpeaker = event.id;
                  },
                });
                return { clientId: sfu.call.clientId };
              } catch (e) {
                return { refused: String(e.message), code: e.code, closeCode: e.closeCode, log: sfu.log };
              }
            })();
            """;

    /** Where the page's negotiation stands, for a failure message. */
    private static final String NEGOTIATION = """
            const pc = window.sfu.call.pc;
            const ufrag = d => d && (/a=ice-ufrag:(\\S+)/.exec(d.sdp) || [])[1];
            return { signaling: pc.signalingState, ice: pc.iceConnectionState, connection: pc.connectionState,
                     localUfrag: ufrag(pc.localDescription), remoteUfrag: ufrag(pc.remoteDescription),
                     received: window.sfuReceived };
            """;

    private SfuServer server;
    private DroppableTcpLink link;
    private final List<HeadlessChromium> pages = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        pages.forEach(HeadlessChromium::close);
        if (link != null) {
            link.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** The JavaScript blocks of the guide marked as parts of this file, joined in order. */
    static String guideModule(String file) throws IOException {
        String markdown = Files.readString(GUIDE, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile(MODULE_PART.formatted(Pattern.quote(file)), Pattern.DOTALL).matcher(markdown);
        StringBuilder module = new StringBuilder();
        while (m.find()) {
            module.append(m.group(1)).append('\n');
        }
        assertTrue(module.toString().contains("export function connectToSfu"),
                "docs/CLIENTS.md has the module's blocks, marked <!-- file: " + file + " -->");
        return module.toString();
    }

    /** The browser client. */
    static String browserModule() throws IOException {
        return guideModule("sfu-client.js");
    }

    /** The React Native client, its imports replaced by the browser's API and a NetInfo the test controls. */
    static String reactNativeModule() throws IOException {
        String module = guideModule("sfuClient.js");
        for (Map.Entry<String, String> i : REACT_NATIVE_IMPORTS.entrySet()) {
            assertTrue(module.contains(i.getKey()), "the React Native client imports " + i.getKey());
            module = module.replace(i.getKey(), i.getValue());
        }
        return module;
    }

    private HeadlessChromium page() throws Exception {
        HeadlessChromium page = new HeadlessChromium();
        pages.add(page);
        String url = "https://localhost:" + server.httpPort() + "/client-guide-test";
        page.open(url);
        // On a loaded machine the first load can end on Chromium's error page, which is no secure context (no
        // camera): load it again until the server's page is there.
        Poll.until(MEDIA, () -> Boolean.TRUE.equals(page.run("return window.isSecureContext && !!navigator.mediaDevices"))
                || reload(page, url), () -> "the page never loaded: " + page.run("return location.href"));
        return page;
    }

    private static boolean reload(HeadlessChromium page, String url) {
        page.open(url);
        return false;
    }

    /** Runs the browser client's connectToSfu in the page; the client id, or why it was refused. */
    private Map<String, Object> connect(HeadlessChromium page, int port, String room, String token)
            throws IOException {
        return connect(page, browserModule(), port, room, token);
    }

    /** Runs this module's connectToSfu in the page; its result: the client id, or why it was refused. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> connect(HeadlessChromium page, String module, int port, String room, String token)
            throws IOException {
        String script = JOIN.formatted(JSON.writeValueAsString(module),
                JSON.writeValueAsString("wss://localhost:" + port + "/ws"), JSON.writeValueAsString(room),
                JSON.writeValueAsString(token));
        return (Map<String, Object>) page.run(script);
    }

    private String join(HeadlessChromium page, int port, String room, String token) throws IOException {
        return join(page, browserModule(), port, room, token);
    }

    private String join(HeadlessChromium page, String module, int port, String room, String token)
            throws IOException {
        Map<String, Object> joined = connect(page, module, port, room, token);
        assertTrue(joined.get("clientId") instanceof String, "joined through the guide's client: " + joined);
        return (String) joined.get("clientId");
    }

    /** Video frames decoded and audio packets received, at least these many now, and more a moment later. */
    private static void awaitMediaRising(HeadlessChromium page, String who) {
        Map<String, Object> first = page.awaitStats(MEDIA, who + ": 30 decoded frames and 50 audio packets",
                s -> HeadlessChromium.number(s, "framesDecoded") >= 30
                        && HeadlessChromium.number(s, "audioPacketsReceived") >= 50);
        long frames = HeadlessChromium.number(first, "framesDecoded");
        long packets = HeadlessChromium.number(first, "audioPacketsReceived");
        page.awaitStats(MEDIA, who + ": frames and audio packets still rising",
                s -> HeadlessChromium.number(s, "framesDecoded") >= frames + 30
                        && HeadlessChromium.number(s, "audioPacketsReceived") >= packets + 50);
    }

    /** Video decoded and audio received from each of these participants (by the stream id the server gives). */
    private static void awaitFrom(HeadlessChromium page, String who, List<String> from) {
        page.awaitStats(MEDIA, who + ": video and audio from " + from, s -> {
            Map<String, Long> video = HeadlessChromium.perParticipant(s, "inboundVideo");
            Map<String, Long> audio = HeadlessChromium.perParticipant(s, "inboundAudio");
            return from.stream().allMatch(id -> video.getOrDefault(id, 0L) >= 30 && audio.getOrDefault(id, 0L) >= 25);
        });
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> events(HeadlessChromium page) {
        return (List<Map<String, Object>>) page.run("return window.sfu.events");
    }

    private static long count(List<Map<String, Object>> events, String type) {
        return events.stream().filter(e -> type.equals(e.get("type"))).count();
    }

    /**
     * A server that requires access tokens: a forged token is refused (the promise rejects with `unauthorized`
     * and close code 4401); two participants with tokens call each other (each offers, the server answers, and
     * each answers the server's offer of the other's tracks); a third joins later, and the two already there answer
     * the server's new offers and receive the newcomer, who receives them.
     */
    @Test
    void twoCallWithTokensAndAThirdJoinsLater() throws Exception {
        server = SfuServer.start(LoopbackServer.config().withAuthentication(Authentication.secret(SECRET)));
        AccessTokenIssuer issuer = new AccessTokenIssuer(SECRET.getBytes(StandardCharsets.UTF_8));
        String forged = new AccessTokenIssuer("another-secret-that-is-long-enough-for-hs256"
                .getBytes(StandardCharsets.UTF_8)).issue("mallory", "guide", true, true, Duration.ofMinutes(5));

        HeadlessChromium alice = page();
        Map<String, Object> refused = connect(alice, server.httpPort(), "guide", forged);
        assertEquals("unauthorized", refused.get("code"), "a forged token is refused: " + refused);
        assertEquals(4401L, ((Number) refused.get("closeCode")).longValue(), String.valueOf(refused));

        String aliceId = join(alice, server.httpPort(), "guide", issuer.issue("alice", "guide", true, true,
                Duration.ofMinutes(5)));
        HeadlessChromium bob = page();
        String bobId = join(bob, server.httpPort(), "guide", issuer.issue("bob", "guide", true, true,
                Duration.ofMinutes(5)));
        awaitMediaRising(alice, "alice");
        awaitMediaRising(bob, "bob");
        Map<String, Object> aliceStats = alice.stats();
        assertEquals(server.udpPort(), HeadlessChromium.number(aliceStats, "remotePort"),
                "the media path ends at the server's UDP port: " + aliceStats);
        assertEquals(Map.of(bobId, "bob"), alice.run("return window.sfu.call.identities"),
                "alice knows who bob is from his token");

        HeadlessChromium carol = page();
        String carolId = join(carol, server.httpPort(), "guide", issuer.issue("carol", "guide", true, true,
                Duration.ofMinutes(5)));
        awaitFrom(alice, "alice", List.of(bobId, carolId));
        awaitFrom(bob, "bob", List.of(aliceId, carolId));
        awaitFrom(carol, "carol", List.of(aliceId, bobId));
        assertTrue(events(alice).stream().anyMatch(e -> "participant_joined".equals(e.get("type"))
                && carolId.equals(e.get("id")) && "carol".equals(e.get("identity"))), "alice: " + events(alice));

        for (HeadlessChromium page : List.of(alice, bob, carol)) {
            Map<String, Object> s = page.stats();
            assertEquals(List.of(), s.get("errors"), "no error at any page: " + s.get("log"));
        }
        assertEquals(3, server.clientCount());
    }

    /**
     * The signaling connection drops without a close frame (a TCP reset, as when a phone loses its network): the
     * guide's client resumes the session with its resume token and stays the same participant, media uninterrupted.
     * Then the app reports a network change: the client replaces its connection (close code 4000), resumes, and
     * restarts ICE; the server's agent restarts once and media goes on both ways.
     */
    @Test
    void aDroppedConnectionResumesAndANetworkChangeRestartsIce() throws Exception {
        server = SfuServer.start(LoopbackServer.config());
        link = new DroppableTcpLink(server.httpPort());
        HeadlessChromium mobile = page();
        String mobileId = join(mobile, link.port(), "move", null);
        HeadlessChromium desk = page();
        String deskId = join(desk, server.httpPort(), "move", null);
        awaitMediaRising(mobile, "mobile");
        awaitMediaRising(desk, "desk");

        link.cut();
        Poll.until(MEDIA, () -> count(events(mobile), "resumed") >= 1, () -> "no resume: " + events(mobile));
        assertTrue(count(events(mobile), "reconnecting") >= 1, String.valueOf(events(mobile)));
        assertEquals(mobileId, mobile.run("return window.sfu.call.clientId"), "the same participant");
        awaitMediaRising(mobile, "mobile after the resume");
        awaitMediaRising(desk, "desk after the resume");

        Peer peer = server.media().existingRouter("move").peers().stream().filter(p -> p.id().equals(mobileId))
                .findFirst().orElseThrow();
        mobile.run("window.sfu.call.networkChanged()");
        Poll.until(MEDIA, () -> count(events(mobile), "resumed") >= 2, () -> "no second resume: " + events(mobile));
        Poll.until(MEDIA, () -> peer.counters().getOrDefault("ice_restarts", 0L) >= 1,
                () -> "no ICE restart at the server: " + events(mobile) + "; the page: " + mobile.run(NEGOTIATION));
        awaitMediaRising(mobile, "mobile after the ICE restart");
        awaitMediaRising(desk, "desk after the ICE restart");

        assertEquals(mobileId, mobile.run("return window.sfu.call.clientId"));
        assertEquals(2, server.media().existingRouter("move").peers().size(), "nobody left the room");
        assertFalse(events(desk).stream().anyMatch(e -> "participant_left".equals(e.get("type"))),
                "desk never saw mobile leave: " + events(desk));
        assertEquals(0, count(events(mobile), "session-restarted"), String.valueOf(events(mobile)));
        assertEquals(List.of(), mobile.stats().get("errors"), "mobile: " + events(mobile));
        assertEquals(List.of(), desk.stats().get("errors"), "desk (" + deskId + "): " + events(desk));
    }

    /**
     * The React Native client (its imports mapped to the browser's RTCPeerConnection, which react-native-webrtc
     * copies, and to a NetInfo stand-in) calls a browser client; then NetInfo reports a move from Wi-Fi to cellular:
     * the client replaces its connection, resumes, restarts ICE, and media goes on both ways.
     */
    @Test
    void theReactNativeClientCallsAndFollowsANetworkChange() throws Exception {
        server = SfuServer.start(LoopbackServer.config());
        HeadlessChromium phone = page();
        String phoneId = join(phone, reactNativeModule(), server.httpPort(), "rn", null);
        HeadlessChromium desk = page();
        join(desk, server.httpPort(), "rn", null);
        awaitMediaRising(phone, "phone");
        awaitMediaRising(desk, "desk");

        Peer peer = server.media().existingRouter("rn").peers().stream().filter(p -> p.id().equals(phoneId))
                .findFirst().orElseThrow();
        phone.run("window.netInfoListener({ isConnected: true, type: 'cellular', details: null })");
        Poll.until(MEDIA, () -> count(events(phone), "resumed") >= 1, () -> "no resume: " + events(phone));
        Poll.until(MEDIA, () -> peer.counters().getOrDefault("ice_restarts", 0L) >= 1,
                () -> "no ICE restart at the server: " + events(phone) + "; the page: " + phone.run(NEGOTIATION));
        awaitMediaRising(phone, "phone after the network change");
        awaitMediaRising(desk, "desk after the network change");

        assertEquals(phoneId, phone.run("return window.sfu.call.clientId"), "the same participant");
        assertEquals(List.of(), phone.stats().get("errors"), "phone: " + events(phone));
        assertEquals(List.of(), desk.stats().get("errors"), "desk: " + events(desk));
    }
}
