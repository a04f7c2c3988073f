package org.sfu.loadgen;

import java.security.SecureRandom;

/**
 * What every {@link Participant} has in common, whatever the target: its index, name and room, an SSRC for each of
 * its two streams (random unless chosen), its {@link Reception}, and the first reason it failed.
 */
public abstract class BaseParticipant implements Participant {
    private static final SecureRandom RANDOM = new SecureRandom();

    protected final int index;
    protected final String name;
    protected final String room;
    protected final Reception reception = new Reception();
    protected final long audioSsrc;
    protected final long videoSsrc;
    /** Set by the subclass, once (first reason wins) or as its own policy says. */
    protected volatile String failure;

    protected BaseParticipant(int index, String name, String room) {
        this(index, name, room, randomSsrc(), randomSsrc());
    }

    protected BaseParticipant(int index, String name, String room, long audioSsrc, long videoSsrc) {
        this.index = index;
        this.name = name;
        this.room = room;
        this.audioSsrc = audioSsrc;
        this.videoSsrc = videoSsrc;
    }

    /** A random 32-bit SSRC (RFC 3550 §8.1). */
    protected static long randomSsrc() {
        return RANDOM.nextInt() & 0xFFFF_FFFFL;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String room() {
        return room;
    }

    @Override
    public long ssrc(int kind) {
        return kind == ProbePayload.AUDIO ? audioSsrc : videoSsrc;
    }

    @Override
    public Reception reception() {
        return reception;
    }

    @Override
    public String failure() {
        return failure;
    }
}
