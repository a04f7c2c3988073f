package org.sfu.ice;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One ICE candidate as carried in SDP ({@code a=candidate:}) or in a trickled {@code RTCIceCandidate.candidate}
 * string. An immutable value: {@link #parse} and {@link #toSdpValue} are inverses for every field kept here.
 *
 * @param foundation     RFC 8839 §5.1: 1 to 32 ice-chars (ALPHA / DIGIT / "+" / "/")
 * @param component      1..256; WebRTC uses only 1 (rtcp-mux, RFC 8843 BUNDLE)
 * @param transport      "udp" or "tcp" (RFC 6544), lower-case; the SDP token is case-insensitive
 * @param priority       RFC 8445 §5.1.2: 0..2^32-1
 * @param address        an IP literal, or a name such as an mDNS {@code <uuid>.local} (never resolved here)
 * @param port           0..65535 (active TCP candidates use 9)
 * @param type           host, srflx, prflx or relay (RFC 8445 §5.1.1)
 * @param relatedAddress raddr, or null when absent
 * @param relatedPort    rport, or -1 when absent
 * @param tcpType        RFC 6544 §4.5 active, passive or so; null for UDP or when absent
 */
public record IceCandidate(String foundation, int component, String transport, long priority,
                           String address, int port, String type,
                           String relatedAddress, int relatedPort, String tcpType) {

    private static final Pattern ICE_CHARS = Pattern.compile("[A-Za-z0-9+/]{1,32}");
    /** Characters of IPv4/IPv6 literals (with a zone) and of host names; rejects spaces, brackets, quotes. */
    private static final Pattern ADDRESS_CHARS = Pattern.compile("[A-Za-z0-9.:%_-]{1,255}");
    private static final Set<String> TRANSPORTS = Set.of("udp", "tcp");
    private static final Set<String> TYPES = Set.of("host", "srflx", "prflx", "relay");
    private static final Set<String> TCP_TYPES = Set.of("active", "passive", "so");

    public IceCandidate {
        Objects.requireNonNull(foundation, "foundation");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(type, "type");
        if (!ICE_CHARS.matcher(foundation).matches()) {
            throw new IllegalArgumentException("bad foundation: " + foundation);
        }
        if (component < 1 || component > 256) {
            throw new IllegalArgumentException("component out of range: " + component);
        }
        if (!TRANSPORTS.contains(transport)) {
            throw new IllegalArgumentException("unsupported transport (udp or tcp, lower-case): " + transport);
        }
        if (priority < 0 || priority > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("priority out of range: " + priority);
        }
        if (!ADDRESS_CHARS.matcher(address).matches()) {
            throw new IllegalArgumentException("bad address: " + address);
        }
        checkPort(port);
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("unknown candidate type: " + type);
        }
        if (relatedAddress != null && !ADDRESS_CHARS.matcher(relatedAddress).matches()) {
            throw new IllegalArgumentException("bad raddr: " + relatedAddress);
        }
        if (relatedPort != -1) {
            checkPort(relatedPort);
        }
        if (tcpType != null && !TCP_TYPES.contains(tcpType)) {
            throw new IllegalArgumentException("unknown tcptype: " + tcpType);
        }
    }

    /** A host candidate for {@code address:port}, component 1, UDP. */
    public static IceCandidate udpHost(String foundation, long priority, String address, int port) {
        return new IceCandidate(foundation, 1, "udp", priority, address, port, "host", null, -1, null);
    }

    /**
     * Parses an RFC 8839 §5.1 candidate attribute value; accepts "candidate:..." with or without the leading "a=" and
     * with or without the "candidate:" prefix. Extension attributes other than tcptype (generation, ufrag,
     * network-id, network-cost, ...) are skipped.
     *
     * @throws IllegalArgumentException if the line does not follow the grammar
     */
    public static IceCandidate parse(String line) {
        if (line == null) {
            throw new IllegalArgumentException("null candidate");
        }
        String s = line.strip();
        if (s.startsWith("a=")) {
            s = s.substring(2);
        }
        if (s.regionMatches(true, 0, "candidate:", 0, "candidate:".length())) {
            s = s.substring("candidate:".length());
        }
        String[] f = s.strip().split("[ \t]+");
        // foundation component transport priority address port "typ" type
        if (f.length < 8) {
            throw new IllegalArgumentException("too few fields in candidate: " + line);
        }
        if (!f[6].equalsIgnoreCase("typ")) {
            throw new IllegalArgumentException("expected 'typ' in candidate: " + line);
        }
        String relatedAddress = null;
        int relatedPort = -1;
        String tcpType = null;
        // RFC 8839 §5.1: [SP rel-addr] [SP rel-port] *(SP cand-extension); every one is "name SP value".
        for (int i = 8; i < f.length; i += 2) {
            if (i + 1 >= f.length) {
                throw new IllegalArgumentException("attribute '" + f[i] + "' without a value in candidate: " + line);
            }
            String name = f[i];
            String value = f[i + 1];
            switch (name.toLowerCase(Locale.ROOT)) {
                case "raddr" -> relatedAddress = value;
                case "rport" -> relatedPort = parseInt(value, "rport", line);
                case "tcptype" -> tcpType = value.toLowerCase(Locale.ROOT);
                default -> {
                    // Extensions we do not use (generation, ufrag, network-id, network-cost, ...).
                }
            }
        }
        String transport = f[2].toLowerCase(Locale.ROOT);
        return new IceCandidate(f[0], parseInt(f[1], "component", line), transport,
                parseLong(f[3], "priority", line), f[4], parseInt(f[5], "port", line),
                f[7].toLowerCase(Locale.ROOT), relatedAddress, relatedPort,
                "tcp".equals(transport) ? tcpType : null);
    }

    /**
     * {@code candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
     * [raddr <a> rport <p>] [tcptype <t>]}, without "a="; prefix "a=" for an SDP line.
     */
    public String toSdpValue() {
        StringBuilder sb = new StringBuilder(96)
                .append("candidate:").append(foundation)
                .append(' ').append(component)
                .append(' ').append(transport)
                .append(' ').append(priority)
                .append(' ').append(address)
                .append(' ').append(port)
                .append(" typ ").append(type);
        if (relatedAddress != null) {
            sb.append(" raddr ").append(relatedAddress);
        }
        // RFC 8839 §5.1: "[SP rel-addr] [SP rel-port]", each optional on its own; an rport that came without a raddr
        // is kept too (a raddr without one is written with rport 0).
        if (relatedAddress != null || relatedPort != -1) {
            sb.append(" rport ").append(relatedPort == -1 ? 0 : relatedPort);
        }
        if (tcpType != null) {
            sb.append(" tcptype ").append(tcpType);
        }
        return sb.toString();
    }

    /** An mDNS name (RFC 8839 §5.1 allows FQDNs; browsers hide local IPs behind {@code <uuid>.local}). */
    public boolean isMdns() {
        return address.toLowerCase(Locale.ROOT).endsWith(".local");
    }

    private static void checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    private static int parseInt(String s, String what, String line) {
        long v = parseLong(s, what, line);
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " out of range in candidate: " + line);
        }
        return (int) v;
    }

    private static long parseLong(String s, String what, String line) {
        // Digits only: Long.parseLong would accept a sign.
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad " + what + " '" + s + "' in candidate: " + line);
        }
        return Long.parseLong(s);
    }
}
