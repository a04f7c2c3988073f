package org.sfu.media.bwe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InterArrivalTest {
    static final long MS = 1_000_000L;
    static final long DELAY = 50 * MS;

    @Test
    void givenPacketsWithinFiveMsOfTheFirstWhenAddedThenOneGroup() {
        InterArrival a = new InterArrival();
        assertFalse(a.onPacket(0, DELAY));
        assertFalse(a.onPacket(2 * MS, DELAY + 2 * MS));
        assertFalse(a.onPacket(5 * MS, DELAY + 5 * MS), "5 ms after the first: same burst (§5.2)");
        assertFalse(a.onPacket(6 * MS, DELAY + 6 * MS), "starts the second group; no previous group to compare");
        assertFalse(a.onPacket(10 * MS, DELAY + 10 * MS));
        assertTrue(a.onPacket(12 * MS, DELAY + 15 * MS), "third group completes the second");
        // Second group: last packet sent at 10, arrived at 60; first group's last: sent 5, arrived 55.
        assertEquals(5 * MS, a.sendDeltaNanos());
        assertEquals(5 * MS, a.arrivalDeltaNanos());
        assertEquals(DELAY + 10 * MS, a.groupArrivalNanos());
        assertTrue(a.onPacket(20 * MS, DELAY + 25 * MS));
        assertEquals(2 * MS, a.sendDeltaNanos(), "t: 12 - 10");
        assertEquals(5 * MS, a.arrivalDeltaNanos(), "T: 65 - 60: the group was delayed 3 ms more");
    }

    @Test
    void givenAPacketThatCaughtUpWithItsGroupWhenAddedThenItJoinsTheBurst() {
        InterArrival a = new InterArrival();
        a.onPacket(0, DELAY + 10 * MS);            // held up by something (e.g. a Wi-Fi burst)
        // Sent 8 ms later but arrives 1 ms after: negative delay variation, within 5 ms of arrival.
        assertFalse(a.onPacket(8 * MS, DELAY + 11 * MS));
        a.onPacket(20 * MS, DELAY + 20 * MS);
        assertTrue(a.onPacket(40 * MS, DELAY + 40 * MS));
        assertEquals(12 * MS, a.sendDeltaNanos(), "the first group ended with the packet sent at 8");
        assertEquals(9 * MS, a.arrivalDeltaNanos());
    }

    @Test
    void givenAPacketSentBeforeTheCurrentGroupWhenAddedThenSkipped() {
        InterArrival a = new InterArrival();
        a.onPacket(0, DELAY);
        a.onPacket(10 * MS, DELAY + 10 * MS);
        assertFalse(a.onPacket(3 * MS, DELAY + 30 * MS), "reported late, sent before the current group");
        assertTrue(a.onPacket(20 * MS, DELAY + 20 * MS));
        assertEquals(10 * MS, a.arrivalDeltaNanos(), "the late packet did not stretch the group");
    }

    @Test
    void givenTheArrivalClockJumpsWhenAddedThenStartsAgain() {
        InterArrival a = new InterArrival();
        a.onPacket(0, DELAY);
        a.onPacket(10 * MS, DELAY + 10 * MS);
        assertTrue(a.onPacket(20 * MS, DELAY + 5_000 * MS), "completes the group before the jump");
        assertFalse(a.onPacket(30 * MS, DELAY + 5_010 * MS), "a 5 s jump is a clock, not a queue: start again");
        assertFalse(a.onPacket(40 * MS, DELAY + 5_020 * MS), "the first group after it has nothing to compare to");
        assertTrue(a.onPacket(50 * MS, DELAY + 5_030 * MS));
        assertEquals(10 * MS, a.arrivalDeltaNanos());
    }
}
