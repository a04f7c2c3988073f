package org.sfu.signaling.message;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The messages of the signaling API ({@code shared/SIGNALING-API.md}), each {@code {"type": ..., "data": ...}}. The
 * documented ones are client_id, offer, answer and candidate; error, ice_servers, room, participant_joined,
 * participant_left, dominant_speaker, session, track_muted, track_unmuted, video_paused, video_resumed and layers_wanted are the
 * server's additions (docs/PROTOCOL.md), which clients written from the document ignore; pause and resume are
 * additions clients may send.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "type",
        visible = true)
@JsonSubTypes({
        @JsonSubTypes.Type(value = SignalingMessage.ClientId.class, name = "client_id"),
        @JsonSubTypes.Type(value = SignalingMessage.Offer.class, name = "offer"),
        @JsonSubTypes.Type(value = SignalingMessage.Answer.class, name = "answer"),
        @JsonSubTypes.Type(value = SignalingMessage.Candidate.class, name = "candidate"),
        @JsonSubTypes.Type(value = SignalingMessage.Error.class, name = "error"),
        @JsonSubTypes.Type(value = SignalingMessage.Room.class, name = "room"),
        @JsonSubTypes.Type(value = SignalingMessage.ParticipantJoined.class, name = "participant_joined"),
        @JsonSubTypes.Type(value = SignalingMessage.ParticipantLeft.class, name = "participant_left"),
        @JsonSubTypes.Type(value = SignalingMessage.DominantSpeaker.class, name = "dominant_speaker"),
        @JsonSubTypes.Type(value = SignalingMessage.IceServers.class, name = "ice_servers"),
        @JsonSubTypes.Type(value = SignalingMessage.Session.class, name = "session"),
        @JsonSubTypes.Type(value = SignalingMessage.ServerDraining.class, name = "server_draining"),
        @JsonSubTypes.Type(value = SignalingMessage.Pause.class, name = "pause"),
        @JsonSubTypes.Type(value = SignalingMessage.Resume.class, name = "resume"),
        @JsonSubTypes.Type(value = SignalingMessage.VideoQuality.class, name = "video_quality"),
        @JsonSubTypes.Type(value = SignalingMessage.TrackMuted.class, name = "track_muted"),
        @JsonSubTypes.Type(value = SignalingMessage.TrackMuted.class, name = "track_unmuted"),
        @JsonSubTypes.Type(value = SignalingMessage.VideoPaused.class, name = "video_paused"),
        @JsonSubTypes.Type(value = SignalingMessage.VideoPaused.class, name = "video_resumed"),
        @JsonSubTypes.Type(value = SignalingMessage.LayersWanted.class, name = "layers_wanted")})
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface SignalingMessage {

    String type();

    /** Server → client, first message on every connection: the client's id (a UUID v4). */
    record ClientId(String type, String data) implements SignalingMessage {
        public static ClientId of(String id) {
            return new ClientId("client_id", id);
        }
    }

    /** Either direction: an SDP offer; {@code data} is what RTCPeerConnection.createOffer() returns. */
    record Offer(String type, Description data) implements SignalingMessage {
        public static Offer of(String sdp) {
            return new Offer("offer", new Description("offer", sdp));
        }
    }

    /** Either direction: an SDP answer. */
    record Answer(String type, Description data) implements SignalingMessage {
        public static Answer of(String sdp) {
            return new Answer("answer", new Description("answer", sdp));
        }
    }

    /** Either direction: one trickled ICE candidate, as RTCIceCandidate.toJSON() writes it. */
    record Candidate(String type, CandidateData data) implements SignalingMessage {
        public static Candidate of(String candidate, String sdpMid, int sdpMLineIndex) {
            return new Candidate("candidate", new CandidateData(candidate, sdpMLineIndex, sdpMid, null));
        }
    }

    /** Server → client: a message was refused. The connection stays open. */
    record Error(String type, ErrorData data) implements SignalingMessage {
        public static Error of(String code, String message) {
            return new Error("error", new ErrorData(code, message));
        }
    }

    /**
     * Server → client, after client_id: the room joined and who else is in it; with access tokens, also who each of
     * them is (their tokens' {@code sub}), and the display names those that chose one go by, by participant id.
     */
    record Room(String type, RoomData data) implements SignalingMessage {
        public static Room of(String name, java.util.List<String> participants) {
            return of(name, participants, java.util.Map.of());
        }

        public static Room of(String name, java.util.List<String> participants,
                              java.util.Map<String, String> identities) {
            return of(name, participants, identities, java.util.Map.of());
        }

        public static Room of(String name, java.util.List<String> participants,
                              java.util.Map<String, String> identities, java.util.Map<String, String> names) {
            return new Room("room", new RoomData(name, java.util.List.copyOf(participants),
                    java.util.Map.copyOf(identities), java.util.Map.copyOf(names)));
        }
    }

    /** Server → client: someone joined the room. Their tracks follow in a server offer, msid stream id = their id. */
    record ParticipantJoined(String type, Participant data) implements SignalingMessage {
        public static ParticipantJoined of(String id) {
            return of(id, null);
        }

        /** @param identity who joined, as its access token named it; null (and left out) in an open room */
        public static ParticipantJoined of(String id, String identity) {
            return of(id, identity, null);
        }

        /** @param name the display name the participant chose; null (and left out) when it chose none */
        public static ParticipantJoined of(String id, String identity, String name) {
            return new ParticipantJoined("participant_joined", new Participant(id, identity, name));
        }
    }

    /** Server → client: someone left the room. Their m-lines become inactive in the next server offer. */
    record ParticipantLeft(String type, Participant data) implements SignalingMessage {
        public static ParticipantLeft of(String id) {
            return new ParticipantLeft("participant_left", new Participant(id, null, null));
        }
    }

    /** Server → client: who speaks now, judged from the audio levels participants send (RFC 6464). */
    record DominantSpeaker(String type, Participant data) implements SignalingMessage {
        public static DominantSpeaker of(String id) {
            return new DominantSpeaker("dominant_speaker", new Participant(id, null, null));
        }
    }

    /** Server → client, right after client_id: the STUN/TURN servers for RTCPeerConnection's iceServers. */
    record IceServers(String type, IceServersData data) implements SignalingMessage {
        public static IceServers of(java.util.List<IceServer> servers) {
            return new IceServers("ice_servers", new IceServersData(java.util.List.copyOf(servers)));
        }
    }

    record IceServersData(java.util.List<IceServer> iceServers) {
    }

    /**
     * Server → client, after ice_servers: how to resume this session over a new WebSocket if the connection drops
     * ({@code /ws?resume=<client id>&resume_token=<resumeToken>} within {@code reconnectGraceMs}). A new token each
     * time.
     */
    record Session(String type, SessionData data) implements SignalingMessage {
        public static Session of(String resumeToken, long reconnectGraceMs) {
            return new Session("session", new SessionData(resumeToken, reconnectGraceMs));
        }
    }

    record SessionData(String resumeToken, long reconnectGraceMs) {
    }

    /**
     * Server → client: the server is shutting down; calls may go on for {@code seconds} at most, then the connection
     * closes with 1001. A client should finish or move its call elsewhere.
     */
    record ServerDraining(String type, DrainData data) implements SignalingMessage {
        public static ServerDraining of(long seconds) {
            return new ServerDraining("server_draining", new DrainData(seconds));
        }
    }

    record DrainData(long seconds) {
    }

    /**
     * Client → server: stop forwarding one participant's track of a kind to this client for now (a tile off screen).
     * The m-line stays; {@link Resume} starts it again.
     */
    record Pause(String type, TrackRef data) implements SignalingMessage {
        public static Pause of(String participant, String kind) {
            return new Pause("pause", new TrackRef(participant, kind));
        }
    }

    /** Client → server: forward that track again (a keyframe comes first). */
    record Resume(String type, TrackRef data) implements SignalingMessage {
        public static Resume of(String participant, String kind) {
            return new Resume("resume", new TrackRef(participant, kind));
        }
    }

    /**
     * Client → server: the largest video this client wants of one participant (its tile's size): of a sender that
     * sends simulcast, the server forwards the highest layer no taller than {@code maxHeight}. Absent or 0: no limit.
     */
    record VideoQuality(String type, VideoQualityData data) implements SignalingMessage {
        public static VideoQuality of(String participant, Integer maxHeight) {
            return new VideoQuality("video_quality", new VideoQualityData(participant, maxHeight));
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record VideoQualityData(String participant, Integer maxHeight) {
    }

    /**
     * Server → client: the server's operator muted (or unmuted) a participant's track for the whole room: its media
     * stops (or resumes) for every receiver. The sender hears it too.
     */
    record TrackMuted(String type, MutedTrack data) implements SignalingMessage {
        public static TrackMuted of(String participant, String kind, String mid, boolean muted) {
            return new TrackMuted(muted ? "track_muted" : "track_unmuted", new MutedTrack(participant, kind, mid));
        }
    }

    /**
     * Server → client: the server stopped forwarding a participant's video to this client because even its lowest
     * layer does not fit the client's downlink, or forwards it again (issue #14; docs/PROTOCOL.md).
     */
    record VideoPaused(String type, PausedVideo data) implements SignalingMessage {
        public static VideoPaused of(String participant, String mid, boolean paused) {
            return new VideoPaused(paused ? "video_paused" : "video_resumed",
                    new PausedVideo(participant, mid, "bandwidth"));
        }
    }

    /**
     * Server → client: which simulcast layers of the client's own track (its m-line) some receiver may be sent; the
     * client may stop sending the others until they are listed again.
     */
    record LayersWanted(String type, WantedLayers data) implements SignalingMessage {
        public static LayersWanted of(String mid, java.util.List<String> rids) {
            return new LayersWanted("layers_wanted", new WantedLayers(mid, java.util.List.copyOf(rids)));
        }
    }

    /** A track of the client's (its m-line) and the rids of its layers wanted, lowest first. */
    record WantedLayers(String mid, java.util.List<String> rids) {
    }

    /** Whose video, its m-line in the sender's session, and why ({@code "bandwidth"}). */
    record PausedVideo(String participant, String mid, String reason) {
    }

    /** Whose track, its kind ({@code "audio"} or {@code "video"}) and its m-line in the sender's session. */
    record MutedTrack(String participant, String kind, String mid) {
    }

    /** One participant's track of a kind: {@code "audio"} or {@code "video"}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record TrackRef(String participant, String kind) {
    }

    /** One RTCIceServer: urls, and for TURN a username and credential. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record IceServer(java.util.List<String> urls, String username, String credential) {
    }

    record RoomData(String name, java.util.List<String> participants,
                    @JsonInclude(JsonInclude.Include.NON_EMPTY) java.util.Map<String, String> identities,
                    @JsonInclude(JsonInclude.Include.NON_EMPTY) java.util.Map<String, String> names) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Participant(String id, String identity, String name) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Description(String type, String sdp) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CandidateData(String candidate, Integer sdpMLineIndex, String sdpMid, String usernameFragment) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ErrorData(String code, String message) {
    }
}
