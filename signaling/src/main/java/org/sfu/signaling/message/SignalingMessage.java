package org.sfu.signaling.message;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The messages of the signaling API ({@code shared/SIGNALING-API.md}), each {@code {"type": ..., "data": ...}}. The
 * documented ones are client_id, offer, answer and candidate; error is the server's addition (docs/PROTOCOL.md).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "type",
        visible = true)
@JsonSubTypes({
        @JsonSubTypes.Type(value = SignalingMessage.ClientId.class, name = "client_id"),
        @JsonSubTypes.Type(value = SignalingMessage.Offer.class, name = "offer"),
        @JsonSubTypes.Type(value = SignalingMessage.Answer.class, name = "answer"),
        @JsonSubTypes.Type(value = SignalingMessage.Candidate.class, name = "candidate"),
        @JsonSubTypes.Type(value = SignalingMessage.Error.class, name = "error")})
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
