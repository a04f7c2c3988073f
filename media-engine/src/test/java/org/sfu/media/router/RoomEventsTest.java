package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sfu.ice.IceEndpoint;
import org.sfu.media.MediaEngine;

/**
 * What the media engine tells a room's observer, and in which order: a room starts before its first participant
 * joins, a participant's tracks are published after it joined (from its offer) and unpublished before it leaves
 * (with the reason its closer gave), and the room finishes after its last participant left. Nothing connects: every
 * participant offers Chromium's captured offer and nobody answers ICE.
 */
class RoomEventsTest {
    /** Every call, as one line, in the order made. */
    private final List<String> seen = new ArrayList<>();
    private final RoomEvents recorder = new RoomEvents() {
        @Override
        public synchronized void roomStarted(Router room) {
            seen.add("started " + room.id());
        }

        @Override
        public synchronized void roomFinished(Router room) {
            seen.add("finished " + room.id());
        }

        @Override
        public synchronized void participantJoined(Peer participant) {
            seen.add("joined " + participant.id() + " in " + participant.router().id());
        }

        @Override
        public synchronized void participantLeft(Peer participant, String reason) {
            seen.add("left " + participant.id() + " " + reason);
        }

        @Override
        public synchronized void trackPublished(Peer participant, Producer track) {
            seen.add("published " + participant.id() + " " + track.kind().sdpName() + " mid " + track.mid());
        }

        @Override
        public synchronized void trackUnpublished(Peer participant, Producer track) {
            seen.add("unpublished " + participant.id() + " " + track.kind().sdpName() + " mid " + track.mid());
        }
    };
    private MediaEngine media;
    private String chromiumOffer;

    @BeforeEach
    void setUp() throws Exception {
        // The server waits a minute for a participant's own offer before it offers: every participant here offers.
        media = MediaEngine.start(new MediaEngine.Options(IceEndpoint.Options.loopback(), 60_000, 16, 0), recorder);
        try (InputStream in = RoomEventsTest.class.getResourceAsStream("/sdp/chromium-offer-audio-video.sdp")) {
            chromiumOffer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @AfterEach
    void tearDown() {
        media.close();
    }

    private synchronized List<String> seen() {
        return List.copyOf(seen);
    }

    @Test
    void aCallsStoryIsToldInTheOrderItHappened() throws Exception {
        Peer alice = media.join("standup", "alice", new Silent());
        Peer bob = media.join("standup", "bob", new Silent());
        alice.onOffer(chromiumOffer);
        bob.onOffer(chromiumOffer);
        // The same offer again changes nothing: no new events.
        alice.onOffer(chromiumOffer.replace("o=- ", "o=- 1"));
        alice.close("removed");
        bob.close();

        assertEquals(List.of(
                "started standup",
                "joined alice in standup",
                "joined bob in standup",
                "published alice audio mid 0",
                "published alice video mid 1",
                "published bob audio mid 0",
                "published bob video mid 1",
                "unpublished alice audio mid 0",
                "unpublished alice video mid 1",
                "left alice removed",
                "unpublished bob audio mid 0",
                "unpublished bob video mid 1",
                "left bob null",
                "finished standup"), seen());
    }

    @Test
    void aRoomNameUsedAgainStartsANewRoomAfterTheOldOneFinished() throws Exception {
        media.join("standup", "alice", new Silent()).close("left");
        media.join("standup", "bob", new Silent()).close("left");
        assertEquals(List.of("started standup", "joined alice in standup", "left alice left", "finished standup",
                "started standup", "joined bob in standup", "left bob left", "finished standup"), seen());
    }

    @Test
    void closingTheEngineTellsEveryLeaveAndEveryRoomsEnd() throws Exception {
        media.join("a", "alice", new Silent());
        media.join("b", "bob", new Silent());
        media.close();
        List<String> now = seen();
        assertEquals(8, now.size(), now.toString());
        assertEquals(true, now.containsAll(List.of("left alice server_shutdown", "left bob server_shutdown",
                "finished a", "finished b")), now.toString());
        assertEquals(true, now.indexOf("left alice server_shutdown") < now.indexOf("finished a"), now.toString());
        assertEquals(true, now.indexOf("left bob server_shutdown") < now.indexOf("finished b"), now.toString());
    }

    /** A participant's signaling that says nothing. */
    private static final class Silent implements PeerSignaling {
        @Override
        public void sendOffer(String sdp, boolean carriesOthersMedia) {
        }

        @Override
        public void sendAnswer(String sdp) {
        }

        @Override
        public void sendCandidate(String candidate, String sdpMid, int sdpMLineIndex) {
        }

        @Override
        public void sendError(String code, String message) {
        }

        @Override
        public void close(String reason) {
        }
    }
}
