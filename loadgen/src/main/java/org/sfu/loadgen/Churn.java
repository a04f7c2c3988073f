package org.sfu.loadgen;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The churn of a soak run ({@code --churn}): every participant place (a room and a position in it) has an event now
 * and then, at exponentially distributed intervals of the given mean, one of
 * <ul>
 *   <li><b>leave</b>: the participant hangs up (WebSocket close frame 1000, DTLS close_notify), and a new participant
 *       joins in its place;</li>
 *   <li><b>drop</b>: its signaling connection is reset without a close frame, as a phone changing networks; media
 *       carries on; 0.1–1.5 s later it connects again with {@code resume} and its resume token
 *       (docs/PROTOCOL.md, "Changing networks"). The resume must bring back the same session (the same client id), and
 *       then media again: a packet of each kind from every other participant of the room that was sending before
 *       the resume, within {@link #MEDIA_AGAIN_TIMEOUT};</li>
 *   <li><b>vanish</b>: its signaling is reset and its media path stops without a word, never to resume; the server
 *       must end the session itself (reconnection grace, consent), and a new participant joins in its place.</li>
 * </ul>
 * Only a participant in a steady call ({@link WebRtcParticipant#settled}) is churned; a place whose event falls due
 * earlier waits. A participant that fails on its own (the server ended its session, ICE or DTLS failed) is recorded
 * as a failure and replaced.
 *
 * <p>Owned by the run's main thread, which calls {@link #tick} a few times a second; joining and resuming block it
 * for a WebSocket handshake (milliseconds on loopback).
 */
final class Churn {
    /** How long a resumed participant may take to receive every stream of its room again. */
    static final long MEDIA_AGAIN_TIMEOUT = TimeUnit.SECONDS.toNanos(10);
    /** How long a resume connection may take to get its client_id. */
    static final long RESUME_TIMEOUT = TimeUnit.SECONDS.toNanos(10);

    /** Makes, starts and sends for a new participant in a place; stops sending for one that is gone. */
    interface Places {
        WebRtcParticipant join(Place place) throws Exception;

        void gone(WebRtcParticipant participant);
    }

    /** One room position; its participant changes on leave and vanish. */
    static final class Place {
        final int room;
        final int position;
        int generation;
        WebRtcParticipant participant;
        long nextEventNanos;
        /** Drop: when to resume (0: not dropped). */
        long resumeAtNanos;
        /** Resuming: since when, waiting for client_id (0: not). */
        long resumeStartedNanos;
        /** Resumed: since when media must come again (0: no check pending). */
        long mediaSinceNanos;

        Place(int room, int position) {
            this.room = room;
            this.position = position;
        }

        boolean busy() {
            return resumeAtNanos != 0 || resumeStartedNanos != 0 || mediaSinceNanos != 0;
        }
    }

    private final List<Place> places;
    private final Places join;
    private final double meanNanos;
    private final LoadOptions.ChurnMix mix;
    private final boolean audio;
    private final boolean video;
    private final Random random = new Random();

    private long leaves;
    private long drops;
    private long resumes;
    private long vanishes;
    private long joins;
    private long mediaAgain;
    private final List<String> resumesFailed = new ArrayList<>();
    private final List<String> mediaNotAgain = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final DelayHistogram mediaAgainDelay = new DelayHistogram();

    Churn(List<Place> places, Places join, LoadOptions o) {
        this.places = places;
        this.join = join;
        this.meanNanos = o.churnSeconds() * 1e9;
        this.mix = o.churnMix();
        this.audio = o.audioKbps() > 0;
        this.video = o.videoKbps() > 0;
        long now = System.nanoTime();
        for (Place p : places) {
            p.nextEventNanos = now + nextInterval();
        }
    }

    private long nextInterval() {
        return (long) (-Math.log(1 - random.nextDouble()) * meanNanos);
    }

    /** The participants there now, one per place. */
    List<Participant> live() {
        List<Participant> l = new ArrayList<>();
        for (Place p : places) {
            l.add(p.participant);
        }
        return l;
    }

    /** Whether a drop, resume or media check is still under way. */
    boolean pending() {
        for (Place p : places) {
            if (p.busy()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Advances every place: failures are recorded and replaced, resumes started and checked, and (while
     * {@code churning}) events that fell due happen.
     */
    void tick(boolean churning) {
        for (Place place : places) {
            long now = System.nanoTime();
            WebRtcParticipant p = place.participant;
            if (p.failure() != null) {
                if (place.resumeStartedNanos != 0 && p.failure().startsWith("resume refused")) {
                    resumesFailed.add(p.name() + ": " + p.failure());
                } else {
                    failures.add(p.name() + ": " + p.failure());
                }
                replace(place, false);
                continue;
            }
            if (place.resumeAtNanos != 0 && now >= place.resumeAtNanos) {
                place.resumeAtNanos = 0;
                place.resumeStartedNanos = now;
                try {
                    p.resume();
                } catch (Exception e) {
                    resumesFailed.add(p.name() + ": cannot connect: " + e);
                    replace(place, false);
                }
                continue;
            }
            if (place.resumeStartedNanos != 0) {
                if (p.resumedNanos() > place.resumeStartedNanos) {
                    resumes++;
                    place.resumeStartedNanos = 0;
                    place.mediaSinceNanos = p.resumedNanos();
                } else if (now - place.resumeStartedNanos > RESUME_TIMEOUT) {
                    resumesFailed.add(p.name() + ": no client_id within " + RESUME_TIMEOUT / 1_000_000 + " ms");
                    replace(place, false);
                }
                continue;
            }
            if (place.mediaSinceNanos != 0) {
                List<String> missing = missingSince(place, place.mediaSinceNanos);
                if (missing.isEmpty()) {
                    mediaAgain++;
                    mediaAgainDelay.record(now - place.mediaSinceNanos);
                    place.mediaSinceNanos = 0;
                } else if (now - place.mediaSinceNanos > MEDIA_AGAIN_TIMEOUT) {
                    mediaNotAgain.add(p.name() + " (" + p.clientId() + "): nothing after the resume from "
                            + missing + "; " + p.counters());
                    place.mediaSinceNanos = 0;
                }
                continue;
            }
            if (!churning || now < place.nextEventNanos || !p.settled()) {
                continue;
            }
            place.nextEventNanos = now + nextInterval();
            int pick = random.nextInt(mix.leave() + mix.drop() + mix.vanish());
            if (pick < mix.leave()) {
                leaves++;
                join.gone(p);
                p.close();
                replace(place, true);
            } else if (pick < mix.leave() + mix.drop()) {
                drops++;
                p.dropSignaling();
                place.resumeAtNanos = now + TimeUnit.MILLISECONDS.toNanos(100 + random.nextInt(1400));
            } else {
                vanishes++;
                join.gone(p);
                p.vanish();
                replace(place, true);
            }
        }
    }

    /**
     * The streams of the room's other participants, sending since before {@code since}, of which nothing reached the
     * place's participant after it.
     */
    private List<String> missingSince(Place place, long since) {
        List<String> missing = new ArrayList<>();
        WebRtcParticipant receiver = place.participant;
        for (Place other : places) {
            WebRtcParticipant sender = other.participant;
            if (other == place || other.room != place.room || !sender.canSend()
                    || sender.connectedNanos() == 0 || sender.connectedNanos() > since) {
                continue;
            }
            if (audio && receiver.reception().lastArrivalNanos(sender.index(), ProbePayload.AUDIO) <= since) {
                missing.add(sender.name() + " audio");
            }
            if (video && receiver.reception().lastArrivalNanos(sender.index(), ProbePayload.VIDEO) <= since) {
                missing.add(sender.name() + " video");
            }
        }
        return missing;
    }

    /** A new participant in the place; the old one is closed (if it was not already). */
    private void replace(Place place, boolean alreadyGone) {
        WebRtcParticipant old = place.participant;
        if (!alreadyGone) {
            join.gone(old);
            old.close();
        }
        place.resumeAtNanos = 0;
        place.resumeStartedNanos = 0;
        place.mediaSinceNanos = 0;
        place.generation++;
        try {
            place.participant = join.join(place);
            joins++;
        } catch (Exception e) {
            // The place keeps a participant that failed to start; the next tick records it and tries again.
            failures.add("r" + place.room + "p" + place.position + "." + place.generation + ": cannot join: " + e);
        }
    }

    void printProgress(PrintStream out, double elapsedSeconds, double totalSeconds, String server) {
        out.printf("[churn %6.0f/%.0f s] leaves %d, drops %d (resumed %d, media again %d), vanishes %d, joins %d; "
                        + "failed: resumes %d, media %d, participants %d%s%n", elapsedSeconds, totalSeconds, leaves,
                drops, resumes, mediaAgain, vanishes, joins, resumesFailed.size(), mediaNotAgain.size(),
                failures.size(), server == null ? "" : "; server " + server);
    }

    LoadReport.ChurnReport report(double meanSeconds, double churnSeconds, LoadReport.ProcessSample serverBefore,
                                  LoadReport.ProcessSample serverAfter) {
        return new LoadReport.ChurnReport(meanSeconds, mix.toString(), Math.round(churnSeconds * 10) / 10.0, leaves,
                drops, resumes, mediaAgain, LoadReport.ms(mediaAgainDelay.percentileMillis(50)),
                LoadReport.ms(mediaAgainDelay.count() == 0 ? Double.NaN : mediaAgainDelay.maxMillis()), vanishes,
                joins, List.copyOf(resumesFailed), List.copyOf(mediaNotAgain), List.copyOf(failures), serverBefore,
                serverAfter);
    }
}
