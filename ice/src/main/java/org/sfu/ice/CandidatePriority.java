package org.sfu.ice;

import java.lang.reflect.Field;
import org.ice4j.ice.Candidate;
import org.ice4j.ice.CandidateType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local candidate priorities, RFC 8445 §5.1.2.1:
 * {@code priority = 2^24 * type preference + 2^8 * local preference + (256 - component ID)}.
 *
 * <p>Type preferences follow RFC 8445 §5.1.2.2 (host 126, peer-reflexive 110, server-reflexive 100, relayed 0).
 * The local preference must be unique among candidates of one component and address family; ice4j gives every IPv4
 * candidate the same one (and the first candidate of a component a different one than later ones), so the
 * endpoint assigns them itself: 65535 for its first address, one less for each next one, in the endpoint's order.
 */
final class CandidatePriority {
    private static final Logger log = LoggerFactory.getLogger(CandidatePriority.class);

    static final int MAX_LOCAL_PREFERENCE = 65535;
    private static final Field PRIORITY_FIELD = priorityField();

    private CandidatePriority() {
    }

    static int typePreference(CandidateType type) {
        return switch (type) {
            case HOST_CANDIDATE -> 126;
            case PEER_REFLEXIVE_CANDIDATE -> 110;
            case SERVER_REFLEXIVE_CANDIDATE -> 100;
            default -> 0; // relayed
        };
    }

    static long compute(int typePreference, int localPreference, int componentId) {
        return ((long) typePreference << 24) + ((long) localPreference << 8) + (256 - componentId);
    }

    /**
     * Sets the priority ice4j uses for {@code candidate} (in its pairs and in what it signals), keeping ice4j's own
     * value if its internals changed; either way the caller reads the result back with getPriority().
     */
    static void assign(Candidate<?> candidate, int localPreference) {
        if (PRIORITY_FIELD == null) {
            return;
        }
        long priority = compute(typePreference(candidate.getType()), localPreference,
                candidate.getParentComponent().getComponentID());
        try {
            PRIORITY_FIELD.setLong(candidate, priority);
        } catch (IllegalAccessException e) {
            log.warn("Cannot set the priority of {}, keeping ice4j's {}", candidate, candidate.getPriority());
        }
    }

    private static Field priorityField() {
        try {
            Field f = Candidate.class.getDeclaredField("priority");
            if (f.getType() != long.class) {
                return null;
            }
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("ice4j Candidate.priority not accessible ({}); local priorities are ice4j's own", e.toString());
            return null;
        }
    }
}
