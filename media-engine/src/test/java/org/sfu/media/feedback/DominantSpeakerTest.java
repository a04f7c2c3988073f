package org.sfu.media.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A room as the SFU sees it: every 20 ms each sending participant's Opus packet carries an
 * RFC 6464 level (0..127 -dBov; Chromium sends about 25..45 while someone talks, 80..100 for
 * room noise, 127 when muted), and the room evaluates every 300 ms.
 */
class DominantSpeakerTest {
    static final long MS = 1_000_000L;
    static final long HOLD = 1000 * MS;
    static final int SPEECH = 35;
    static final int LOUD_SPEECH = 20;
    static final int QUIET_SPEECH = 60;
    static final int ROOM_NOISE = 90;
    static final int MUTED = 127;

    /** Packet clock and evaluation timer; records every change evaluate() reports. */
    static final class Room {
        final DominantSpeaker speakers;
        long now = 1_000_000_000_000L; // arbitrary System.nanoTime()-like origin
        long nextEvaluation = now + 300 * MS;
        final List<String> changes = new ArrayList<>();
        final List<Long> changeTimes = new ArrayList<>();
        /** Highest energy seen per participant at an evaluation. */
        final Map<String, Double> peakEnergy = new HashMap<>();

        Room(long hold) {
            speakers = new DominantSpeaker(hold);
        }

        /** For this long, every 20 ms each participant in {@code levels} sends its level. */
        Room send(long millis, Map<String, Integer> levels) {
            long end = now + millis * MS;
            while (now < end) {
                now += 20 * MS;
                levels.forEach((id, level) -> speakers.onLevel(id, level, now));
                if (now >= nextEvaluation) {
                    evaluate();
                    nextEvaluation += 300 * MS;
                }
            }
            return this;
        }

        Room evaluate() {
            speakers.evaluate(now).ifPresent(id -> {
                changes.add(id);
                changeTimes.add(now);
            });
            for (String id : List.of("alice", "bob", "carol")) {
                peakEnergy.merge(id, speakers.energy(id), Math::max);
            }
            return this;
        }

        Optional<String> current() {
            return speakers.current();
        }
    }

    @Test
    void oneTalkerBecomesDominantAndSilenceKeepsIt() {
        Room room = new Room(HOLD);
        room.send(600, Map.of("alice", SPEECH, "bob", MUTED, "carol", ROOM_NOISE));
        assertEquals(List.of("alice"), room.changes);
        assertEquals(Optional.of("alice"), room.current());

        // Everyone silent, some still sending room noise: the last speaker stays.
        room.send(10_000, Map.of("alice", MUTED, "bob", MUTED, "carol", ROOM_NOISE));
        assertEquals(List.of("alice"), room.changes);
        assertEquals(Optional.of("alice"), room.current());
        assertTrue(room.speakers.energy("alice") < 1.0, "alice's energy fell to silence");
    }

    @Test
    void roomNoiseAloneNeverMakesADominantSpeaker() {
        Room room = new Room(HOLD);
        room.send(5000, Map.of("alice", ROOM_NOISE, "bob", MUTED));
        assertEquals(List.of(), room.changes);
        assertEquals(Optional.empty(), room.current());
    }

    @Test
    void secondTalkerTakesOverAfterTheHold() {
        Room room = new Room(HOLD);
        room.send(2000, Map.of("alice", SPEECH, "bob", MUTED));
        long bobStarts = room.now;

        // alice stops and bob talks: not before the hold has passed...
        room.send(900, Map.of("alice", ROOM_NOISE, "bob", SPEECH));
        assertEquals(Optional.of("alice"), room.current());

        // ...but soon after.
        room.send(1500, Map.of("alice", ROOM_NOISE, "bob", SPEECH));
        assertEquals(List.of("alice", "bob"), room.changes);
        long switchedAfter = room.changeTimes.get(1) - bobStarts;
        assertTrue(switchedAfter >= HOLD, "switched after " + switchedAfter / MS + " ms");
        assertTrue(switchedAfter <= HOLD + 1000 * MS, "switched after " + switchedAfter / MS + " ms");
    }

    @Test
    void louderTalkerOverTheDominantOneTakesOver() {
        Room room = new Room(HOLD);
        room.send(2000, Map.of("alice", QUIET_SPEECH, "bob", MUTED));
        room.send(3000, Map.of("alice", QUIET_SPEECH, "bob", LOUD_SPEECH));
        assertEquals(List.of("alice", "bob"), room.changes);
    }

    @Test
    void talkerNotClearlyLouderDoesNotTakeOver() {
        Room room = new Room(HOLD);
        room.send(2000, Map.of("alice", SPEECH, "bob", MUTED));
        // Both talk at once, bob 3 dB louder: less than the switch margin.
        room.send(10_000, Map.of("alice", SPEECH, "bob", SPEECH - 3));
        assertEquals(List.of("alice"), room.changes);
    }

    @Test
    void shortBurstDoesNotSwitch() {
        Room room = new Room(HOLD);
        room.send(2000, Map.of("alice", SPEECH, "bob", MUTED));
        // bob coughs loudly for 700 ms, less than the hold.
        room.send(700, Map.of("alice", SPEECH, "bob", 5));
        room.send(5000, Map.of("alice", SPEECH, "bob", MUTED));
        assertEquals(List.of("alice"), room.changes);
        assertEquals(Optional.of("alice"), room.current());
        assertTrue(room.peakEnergy.get("bob") > room.peakEnergy.get("alice") + DominantSpeaker.SWITCH_MARGIN,
                "the cough was clearly louder, only the hold kept alice");
    }

    @Test
    void zeroHoldSwitchesAtTheFirstEvaluationThatIsClearlyLouder() {
        for (long hold : new long[] {0, HOLD}) {
            Room room = new Room(hold);
            room.send(2000, Map.of("alice", SPEECH, "bob", MUTED));
            room.send(700, Map.of("alice", ROOM_NOISE, "bob", LOUD_SPEECH));
            assertEquals(hold == 0 ? List.of("alice", "bob") : List.of("alice"), room.changes, "hold " + hold);
        }
    }

    @Test
    void removingTheDominantSpeakerPicksTheOneSpeaking() {
        Room room = new Room(HOLD);
        room.send(2000, Map.of("alice", SPEECH, "bob", MUTED, "carol", MUTED));
        // bob talks along, not clearly louder than alice.
        room.send(2000, Map.of("alice", SPEECH, "bob", SPEECH, "carol", MUTED));
        room.speakers.remove("alice");
        assertEquals(Optional.empty(), room.current(), "nobody until the next evaluation");
        room.evaluate();
        assertEquals(List.of("alice", "bob"), room.changes);
        assertEquals(Optional.of("bob"), room.current());
    }

    @Test
    void removingTheDominantSpeakerInSilencePicksTheLastOneWhoSpoke() {
        Room room = new Room(HOLD);
        room.send(2000, Map.of("bob", SPEECH, "alice", MUTED, "carol", MUTED));
        room.send(3000, Map.of("bob", MUTED, "alice", SPEECH, "carol", MUTED));
        room.send(3000, Map.of("bob", MUTED, "alice", MUTED, "carol", MUTED));
        assertEquals(List.of("bob", "alice"), room.changes);

        room.speakers.remove("alice");
        room.evaluate();
        assertEquals(List.of("bob", "alice", "bob"), room.changes, "carol never spoke");
    }

    @Test
    void removingTheDominantSpeakerWithNobodyElseSpeakingLeavesNone() {
        Room room = new Room(HOLD);
        room.send(2000, Map.of("alice", SPEECH, "bob", MUTED));
        room.speakers.remove("alice");
        room.send(2000, Map.of("bob", MUTED));
        assertEquals(List.of("alice"), room.changes);
        assertEquals(Optional.empty(), room.current());

        room.speakers.remove("bob");
        room.evaluate();
        assertEquals(Optional.empty(), room.current());
        // A later talker is dominant at once, as in an empty room.
        room.send(600, Map.of("carol", SPEECH));
        assertEquals(List.of("alice", "carol"), room.changes);
    }

    @Test
    void removingTheChallengerResetsItsHold() {
        for (boolean removed : new boolean[] {false, true}) {
            Room room = new Room(HOLD);
            room.send(2000, Map.of("alice", QUIET_SPEECH));
            room.send(900, Map.of("alice", QUIET_SPEECH, "bob", LOUD_SPEECH));
            if (removed) {
                // bob's packets still in flight add him again, and his hold starts over.
                room.speakers.remove("bob");
            }
            room.send(900, Map.of("alice", QUIET_SPEECH, "bob", LOUD_SPEECH));
            assertEquals(removed ? List.of("alice") : List.of("alice", "bob"), room.changes, "removed " + removed);
            room.send(1200, Map.of("alice", QUIET_SPEECH, "bob", LOUD_SPEECH));
            assertEquals(List.of("alice", "bob"), room.changes, "removed " + removed);
        }
    }

    @Test
    void levelsStopArrivingAndTheEnergyDecays() {
        Room room = new Room(HOLD);
        room.send(2100, Map.of("alice", SPEECH)); // the last packet is in the last evaluation
        double talking = room.speakers.energy("alice");
        assertEquals(127 - SPEECH, talking, 1.0);

        // alice's packets stop (track stopped, path lost). Within a second the energy holds...
        room.send(900, Map.of());
        assertEquals(talking, room.speakers.energy("alice"), 1e-9);
        // ...then it decays to silence.
        room.send(600, Map.of());
        assertTrue(room.speakers.energy("alice") < talking / 2, "energy " + room.speakers.energy("alice"));
        room.send(2000, Map.of());
        assertTrue(room.speakers.energy("alice") < 1.0, "energy " + room.speakers.energy("alice"));
        assertEquals(Optional.of("alice"), room.current(), "silence keeps the last speaker");
    }

    @Test
    void quietTalkerTakesOverOnceTheStaleSpeakerHasDecayed() {
        Room room = new Room(HOLD);
        room.send(2000, Map.of("alice", SPEECH));
        long aliceStops = room.now;
        // bob at -60 dBov is not 6 dB above alice's held energy until it has gone stale.
        room.send(5000, Map.of("bob", QUIET_SPEECH));
        assertEquals(List.of("alice", "bob"), room.changes);
        long after = room.changeTimes.get(1) - aliceStops;
        assertTrue(after >= DominantSpeaker.STALE_NANOS + HOLD, "switched after " + after / MS + " ms");
    }

    @Test
    void silentParticipantsAreForgottenButNotTheDominantOne() {
        Room room = new Room(HOLD);
        room.send(2000, Map.of("alice", SPEECH, "bob", MUTED));
        room.send(DominantSpeaker.FORGET_NANOS / MS + 1000, Map.of());
        assertEquals(Optional.of("alice"), room.current());
        room.speakers.remove("alice");
        room.evaluate();
        assertEquals(Optional.empty(), room.current(), "bob was forgotten and never spoke");
    }

    @Test
    void levelsOutsideTheRfc6464RangeAreIgnored() {
        Room room = new Room(HOLD);
        room.send(2000, Map.of("alice", -1, "bob", 128));
        assertEquals(Optional.empty(), room.current());
        assertEquals(0.0, room.speakers.energy("alice"));
        assertEquals(0.0, room.speakers.energy("bob"));
    }

    @Test
    void negativeHoldIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new DominantSpeaker(-1));
    }

    @Test
    void networkThreadAndTimerThreadTogether() throws InterruptedException {
        DominantSpeaker speakers = new DominantSpeaker(0);
        AtomicLong clock = new AtomicLong(1_000_000_000_000L);
        AtomicLong packets = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread network = new Thread(() -> {
            try {
                while (!stop.get()) {
                    long t = clock.get();
                    speakers.onLevel("alice", SPEECH, t);
                    speakers.onLevel("bob", (int) (packets.incrementAndGet() % 128), t);
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "network");
        network.start();
        for (int i = 0; (i < 2000 || packets.get() < 100_000) && failure.get() == null; i++) {
            // Simulated time advances only as the network thread keeps sending: a starved network thread (a loaded
            // machine) must not look like 30 s of silence, after which the detector rightly forgets everyone.
            long seen = packets.get();
            while (packets.get() == seen && failure.get() == null) {
                Thread.onSpinWait();
            }
            long t = clock.addAndGet(20 * MS);
            if (i % 15 == 0) {
                speakers.evaluate(t);
            }
            if (i % 1000 == 0) {
                speakers.remove("bob");
            }
            speakers.current();
            Thread.onSpinWait();
        }
        stop.set(true);
        network.join();
        assertEquals(null, failure.get());
        // The loop may end just after removing a dominant bob; the next evaluation must settle on alice.
        speakers.evaluate(clock.addAndGet(20 * MS));
        assertTrue(speakers.current().isPresent());
    }
}
