package org.sfu.media.sdp;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code a=simulcast:<send|recv> <streams> [<send|recv> <streams>]} (RFC 8853 §5.1): the RTP streams, named by their
 * rids, that one m-line sends or receives at once. Streams are separated by ';'; each may list alternative rids
 * separated by ',' (the sender picks one of them), and a rid prefixed '~' starts paused.
 *
 * @param send the streams the description's author sends, in its order; empty when none
 * @param recv the streams it receives; empty when none
 */
public record Simulcast(List<Stream> send, List<Stream> recv) {

    /** One simulcast stream: alternative rids for it, in the author's order of preference. */
    public record Stream(List<Alternative> alternatives) {
        public Stream {
            alternatives = List.copyOf(alternatives);
            if (alternatives.isEmpty()) {
                throw new IllegalArgumentException("a simulcast stream needs a rid");
            }
        }

        /** The first (preferred) alternative. */
        public Alternative first() {
            return alternatives.get(0);
        }
    }

    /** A rid in a simulcast stream, and whether it starts paused ('~', RFC 8853 §5.1). */
    public record Alternative(String rid, boolean paused) {
        public Alternative {
            if (!Rid.isValidId(rid)) {
                throw new IllegalArgumentException("invalid rid in a=simulcast: " + rid);
            }
        }

        @Override
        public String toString() {
            return (paused ? "~" : "") + rid;
        }
    }

    public Simulcast {
        send = List.copyOf(send);
        recv = List.copyOf(recv);
    }

    /** Parses an a=simulcast value; null when malformed. */
    static Simulcast parse(String value) {
        if (value == null) {
            return null;
        }
        String[] parts = value.trim().split("\\s+");
        if (parts.length != 2 && parts.length != 4) {
            return null;
        }
        List<Stream> send = null;
        List<Stream> recv = null;
        for (int i = 0; i < parts.length; i += 2) {
            List<Stream> streams = streams(parts[i + 1]);
            if (streams == null) {
                return null;
            }
            if (parts[i].equals("send") && send == null) {
                send = streams;
            } else if (parts[i].equals("recv") && recv == null) {
                recv = streams;
            } else {
                return null;
            }
        }
        return new Simulcast(send == null ? List.of() : send, recv == null ? List.of() : recv);
    }

    private static List<Stream> streams(String list) {
        List<Stream> out = new ArrayList<>();
        for (String stream : list.split(";", -1)) {
            List<Alternative> alternatives = new ArrayList<>();
            for (String alt : stream.split(",", -1)) {
                boolean paused = alt.startsWith("~");
                String rid = paused ? alt.substring(1) : alt;
                if (!Rid.isValidId(rid)) {
                    return null;
                }
                alternatives.add(new Alternative(rid, paused));
            }
            out.add(new Stream(alternatives));
        }
        return out;
    }

    /** The attribute value, e.g. {@code "recv q;h;f"}. */
    public String toAttributeValue() {
        StringBuilder sb = new StringBuilder();
        if (!send.isEmpty()) {
            sb.append("send ").append(join(send));
        }
        if (!recv.isEmpty()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append("recv ").append(join(recv));
        }
        return sb.toString();
    }

    private static String join(List<Stream> streams) {
        List<String> out = new ArrayList<>();
        for (Stream s : streams) {
            out.add(String.join(",", s.alternatives().stream().map(Alternative::toString).toList()));
        }
        return String.join(";", out);
    }

    public Attribute toAttribute() {
        return new Attribute("simulcast", toAttributeValue());
    }
}
