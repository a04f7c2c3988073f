package org.sfu.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PacketBufferTest {

    @Test
    void copyFromReusesTheArrayWhenThePacketFits() {
        PacketBuffer buffer = new PacketBuffer(100 + PacketBuffer.TRAILER_ROOM);
        byte[] array = buffer.buffer();
        byte[] source = {9, 1, 2, 3, 9};
        buffer.copyFrom(source, 1, 3);
        assertSame(array, buffer.buffer());
        assertEquals(0, buffer.offset());
        assertEquals(3, buffer.length());
        assertArrayEquals(new byte[] {1, 2, 3}, buffer.toByteArray());
    }

    @Test
    void copyFromGrowsForALargerPacketAndKeepsTheTrailerRoom() {
        PacketBuffer buffer = new PacketBuffer(8);
        byte[] source = new byte[50];
        source[49] = 7;
        buffer.copyFrom(source, 0, 50);
        assertEquals(50, buffer.length());
        assertEquals(7, buffer.buffer()[49]);
        assertTrue(buffer.tailroom() >= PacketBuffer.TRAILER_ROOM);
    }

    @Test
    void copyFromAfterAShiftedPacketStartsAtOffsetZero() {
        PacketBuffer buffer = new PacketBuffer(64);
        buffer.setOffsetLength(10, 4);
        buffer.copyFrom(new byte[] {5, 6}, 0, 2);
        assertEquals(0, buffer.offset());
        assertArrayEquals(new byte[] {5, 6}, buffer.toByteArray());
    }
}
