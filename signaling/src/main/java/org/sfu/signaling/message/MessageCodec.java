package org.sfu.signaling.message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** JSON ↔ {@link SignalingMessage}, with the error the client gets for each way a message can be wrong. */
public final class MessageCodec {

    /** Why a text frame is not a message the server can act on; {@code code} goes into the error reply. */
    public static final class BadMessageException extends Exception {
        private final String code;

        BadMessageException(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final ObjectMapper mapper = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_INVALID_SUBTYPE)
            .build();

    public SignalingMessage decode(String text) throws BadMessageException {
        JsonNode tree;
        try {
            tree = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadMessageException("bad-json", "not JSON: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new BadMessageException("bad-message", "a message is a JSON object with \"type\" and \"data\"");
        }
        JsonNode type = tree.get("type");
        if (type == null || !type.isTextual()) {
            throw new BadMessageException("bad-message", "the message has no \"type\" string");
        }
        SignalingMessage message;
        try {
            message = mapper.treeToValue(tree, SignalingMessage.class);
        } catch (JsonProcessingException e) {
            throw new BadMessageException("bad-message", "bad \"" + type.asText() + "\" message: "
                    + e.getOriginalMessage());
        }
        if (message == null) {
            throw new BadMessageException("unknown-type", "unknown message type \"" + type.asText() + "\"");
        }
        return message;
    }

    public String encode(SignalingMessage message) {
        try {
            return mapper.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + message.type(), e);
        }
    }
}
