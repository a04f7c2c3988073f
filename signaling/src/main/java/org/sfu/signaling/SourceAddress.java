package org.sfu.signaling;

import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The source of a connection as the per-address limits count it: an IPv4 address as it is; an IPv6 address as its /64
 * prefix. One subscriber is given a whole /64 (RFC 6177 recommends /56 or /48 per site, and a host on a /64 chooses
 * its own interface identifiers, RFC 4941 and RFC 8981 privacy addresses among them), so a cap per full IPv6 address
 * would be no cap: a script could open each connection from a new address of its /64. An IPv4-mapped IPv6 address
 * ({@code ::ffff:a.b.c.d}, RFC 4291 §2.5.5.2, what a dual-stack socket may report for an IPv4 peer) is that IPv4
 * address, so the same client counts once whichever way its connection was accepted. IPv6 loopback {@code ::1} is
 * kept whole: it is one host, and its /64 holds nothing else that could connect.
 *
 * <p>Link-local IPv6 sources lose their zone (scope id) and all share {@code fe80::/64}: a LAN whose hosts connect to
 * the server by link-local address counts as one source, on the safe side. An immutable value: equal keys share one
 * entry in every per-address map ({@link AcceptGate}, {@link Admission}, {@link RefusalLog}).
 */
final class SourceAddress {
    /** The bits of an IPv6 source the limits count it by: the subnet prefix of a unicast address (RFC 4291 §2.5.4). */
    static final int IPV6_PREFIX_LENGTH = 64;

    /** The address, IPv6 ones with their interface identifier zeroed. */
    private final byte[] bytes;
    private final int prefixLength;
    private final String text;

    private SourceAddress(byte[] bytes, int prefixLength) {
        this.bytes = bytes;
        this.prefixLength = prefixLength;
        this.text = format(bytes, prefixLength);
    }

    /** The key the limits count a connection from {@code address} under. */
    static SourceAddress of(InetAddress address) {
        byte[] raw = address.getAddress();
        if (address instanceof Inet4Address) {
            return new SourceAddress(raw, 32);
        }
        if (isIpv4Mapped(raw)) {
            return new SourceAddress(Arrays.copyOfRange(raw, 12, 16), 32);
        }
        if (address.isLoopbackAddress()) {
            return new SourceAddress(raw, 128);
        }
        return prefix(raw);
    }

    /**
     * The key for an address written as an IP literal (what Vert.x reports as a request's remote address); null when
     * {@code literal} is not one. Never a DNS lookup.
     */
    static SourceAddress ofLiteral(String literal) {
        if (literal == null) {
            return null;
        }
        byte[] raw = NetUtil.createByteArrayFromIpAddressString(literal);
        if (raw == null) {
            return null;
        }
        try {
            return of(InetAddress.getByAddress(raw));
        } catch (UnknownHostException impossible) {
            // Only for an array neither 4 nor 16 bytes long, which NetUtil never returns.
            return null;
        }
    }

    private static SourceAddress prefix(byte[] raw) {
        byte[] masked = Arrays.copyOf(raw, 16);
        Arrays.fill(masked, IPV6_PREFIX_LENGTH / 8, 16, (byte) 0);
        return new SourceAddress(masked, IPV6_PREFIX_LENGTH);
    }

    /** RFC 4291 §2.5.5.2: 80 zero bits, 16 one bits, then the IPv4 address. */
    private static boolean isIpv4Mapped(byte[] raw) {
        if (raw.length != 16 || raw[10] != (byte) 0xff || raw[11] != (byte) 0xff) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (raw[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** RFC 5952 text (NetUtil compresses the longest run of zeros), with the prefix length unless it is all of it. */
    private static String format(byte[] bytes, int prefixLength) {
        String address = NetUtil.bytesToIpAddress(bytes);
        return prefixLength == bytes.length * 8 ? address : address + "/" + prefixLength;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SourceAddress other && prefixLength == other.prefixLength
                && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(bytes) + prefixLength;
    }

    /** {@code 192.0.2.7}, {@code 2001:db8:1:2::/64}, {@code ::1}: what log lines and refusals show. */
    @Override
    public String toString() {
        return text;
    }
}
