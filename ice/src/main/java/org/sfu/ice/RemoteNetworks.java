package org.sfu.ice;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The networks the server talks ICE with. Applied both to candidates a client signals and to the source of a new
 * connectivity check, so a client can neither point the server's checks at an internal network nor reach it from a
 * network the operator excluded (RFC 8445 §18 leaves that policy to the agent). Empty means any. Immutable.
 */
final class RemoteNetworks {
    private final List<AddressBlock> blocks;

    private RemoteNetworks(List<AddressBlock> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    static RemoteNetworks parse(List<String> cidrs) {
        List<AddressBlock> blocks = new ArrayList<>();
        for (String cidr : cidrs) {
            blocks.add(AddressBlock.parse(cidr));
        }
        return new RemoteNetworks(blocks);
    }

    boolean allows(InetAddress address) {
        if (blocks.isEmpty()) {
            return true;
        }
        for (AddressBlock b : blocks) {
            if (b.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return blocks.isEmpty() ? "any" : blocks.toString();
    }
}
