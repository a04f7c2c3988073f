package org.sfu.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SsrcTableTest {

    @Test
    void findsWhatWasPutUnderTheFull32BitRange() {
        SsrcTable<String> table = new SsrcTable<>();
        table.put(0xFFFF_FFFFL, "max");
        table.put(0L, "zero");
        table.put(0x8000_0000L, "high bit");
        assertEquals("max", table.get(0xFFFF_FFFFL));
        assertEquals("zero", table.get(0));
        assertEquals("high bit", table.get(0x8000_0000L));
        assertNull(table.get(1));
        assertEquals(3, table.size());
    }

    @Test
    void replacesTheValueOfAKnownSsrc() {
        SsrcTable<String> table = new SsrcTable<>();
        table.put(42, "a");
        table.put(42, "b");
        assertEquals("b", table.get(42));
        assertEquals(1, table.size());
    }

    @Test
    void growsAndAgreesWithAHashMap() {
        SsrcTable<Long> table = new SsrcTable<>(2);
        Map<Long, Long> reference = new HashMap<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 1000; i++) {
            long ssrc = random.nextLong() & 0xFFFF_FFFFL;
            table.put(ssrc, ssrc);
            reference.put(ssrc, ssrc);
        }
        assertEquals(reference.size(), table.size());
        for (long ssrc : reference.keySet()) {
            assertEquals(reference.get(ssrc), table.get(ssrc));
        }
        List<Long> values = new ArrayList<>();
        table.forEachValue(values::add);
        assertEquals(reference.size(), values.size());
    }

    @Test
    void clearForgetsEverything() {
        SsrcTable<String> table = new SsrcTable<>();
        table.put(1, "a");
        table.put(2, "b");
        table.clear();
        assertNull(table.get(1));
        assertEquals(0, table.size());
    }
}
