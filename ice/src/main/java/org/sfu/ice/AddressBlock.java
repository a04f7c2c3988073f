package org.sfu.ice;

import java.net.InetAddress;
import java.util.Objects;

/**
 * A CIDR block such as {@code 127.0.0.0/8} or {@code ::1/128} (RFC 4632 §3.1 notation), used to decide which
 * remote candidates an {@link IceEndpoint} may send connectivity checks to.
 */
record AddressBlock(InetAddress network, int prefixLength) {

    AddressBlock {
        Objects.requireNonNull(network, "network");
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range for " + network);
        }
    }

    /** Parses "address/length", or a bare address meaning a single host. */
    static AddressBlock parse(String cidr) {
        if (cidr == null) {
            throw new IllegalArgumentException("null network");
        }
        String s = cidr.strip();
        int slash = s.indexOf('/');
        InetAddress address = IpLiteral.parse(slash < 0 ? s : s.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException("not an IP network: " + cidr);
        }
        int length = address.getAddress().length * 8;
        if (slash >= 0) {
            try {
                length = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in " + cidr, e);
            }
        }
        return new AddressBlock(address, length);
    }

    boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != n[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[full] & mask) == (n[full] & mask);
    }

    @Override
    public String toString() {
        return IpLiteral.format(network) + "/" + prefixLength;
    }
}
