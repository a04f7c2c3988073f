package org.sfu.signaling;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The demo app in headless Chromium pages against one test server on loopback; all closed together. */
final class ChromiumPages implements AutoCloseable {
    private final SfuServer server;
    private final List<HeadlessChromium> pages = new ArrayList<>();

    ChromiumPages() throws Exception {
        server = SfuServer.start(LoopbackServer.config());
    }

    SfuServer server() {
        return server;
    }

    /** A page that joins {@code room}; each script runs in it before the app's own (a client's quirks, munging). */
    HeadlessChromium open(String room, String... beforeEveryPage) throws Exception {
        HeadlessChromium page = new HeadlessChromium();
        pages.add(page);
        for (String script : beforeEveryPage) {
            page.beforeEveryPage(script);
        }
        page.open("https://localhost:" + server.httpPort() + "/?room=" + room);
        return page;
    }

    /**
     * A page script, run before the page's own, that rewrites each {@code kind} m-line section ({@code "\r\nm=audio
     * ..."} up to the next m-line) of the descriptions the page creates (createOffer and createAnswer) with
     * {@code rewriteSection}, a JavaScript function from a section's text to its new text: what a mobile app that
     * prefers or drops a codec does to its SDP before using it.
     */
    static String rewritingSections(String kind, String rewriteSection) {
        return """
                (() => {
                  const rewrite = %s;
                  const munge = sdp => sdp.split(/(?=\\r\\nm=)/)
                      .map(s => s.startsWith('\\r\\nm=%s') ? rewrite(s) : s).join('');
                  for (const name of ['createOffer', 'createAnswer']) {
                    const original = RTCPeerConnection.prototype[name];
                    RTCPeerConnection.prototype[name] = async function (...args) {
                      const d = await original.apply(this, args);
                      return { type: d.type, sdp: munge(d.sdp) };
                    };
                  }
                })();
                """.formatted(rewriteSection, kind);
    }

    /** The client id the server gave the page. */
    static String clientId(HeadlessChromium page, Duration deadline) {
        return (String) page.awaitStats(deadline, "a client id", s -> s.get("clientId") != null).get("clientId");
    }

    @Override
    public void close() {
        pages.forEach(HeadlessChromium::close);
        server.close();
    }
}
