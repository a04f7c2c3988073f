package org.sfu.media.rtcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Arbitrary bytes as an RTCP compound (RFC 3550 §6.1), walked with {@link RtcpCompoundCursor} as {@code RtcpRouting}
 * walks it, and each packet it yields read by every parser: {@link RtcpHeader}, {@link RtcpFeedback} (PLI, FIR and
 * NACK, the lost sequence numbers into a buffer of {@code nackItemCount * 17}), {@link SenderReport},
 * {@link ReceiverReport}, {@link Remb} and {@link TransportCcFeedback}. Nothing may throw or read outside the
 * compound (it ends its array, at offset 0 and at an odd offset); what parses must marshal and parse again the same.
 *
 * <p>{@code mvn test} replays {@code RtcpParsersFuzzTestInputs/rtcpCompound/}: RTCP seeds from the WebRTC fuzzer
 * corpora and inputs that once crashed another SFU's parsers. {@code JAZZER_FUZZ=1} fuzzes (docs/RELIABILITY.md).
 */
class RtcpParsersFuzzTest {

    @FuzzTest(maxDuration = "5m")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void rtcpCompound(byte[] data) {
        walk(data, 0);
        walk(data, 5);
    }

    private static void walk(byte[] data, int off) {
        byte[] buf = new byte[off + data.length];
        System.arraycopy(data, 0, buf, off, data.length);
        int len = data.length;
        int end = off + len;

        RtcpCompoundCursor cursor = new RtcpCompoundCursor().reset(buf, off, len);
        int count = 0;
        int expectedOffset = off;
        while (cursor.next()) {
            int at = cursor.offset();
            int length = cursor.length();
            assertEquals(expectedOffset, at, "packets follow each other");
            assertTrue(length >= RtcpHeader.HEADER_LENGTH && at + length <= end, "packet " + at + "+" + length);
            assertEquals(2, RtcpHeader.version(buf, at));
            assertEquals(RtcpHeader.packetType(buf, at), cursor.packetType());
            assertEquals(RtcpHeader.countOrFmt(buf, at), cursor.countOrFmt());
            count++;
            expectedOffset = at + length;
            // As routing passes it (the packet's own length) and as a careless caller might (the rest of the compound).
            packet(buf, at, length);
            packet(buf, at, end - at);
        }
        assertFalse(cursor.next(), "a finished walk stays finished");
        assertEquals(!cursor.malformed() && count > 0, RtcpCompoundCursor.isValidCompound(buf, off, len));
        if (!cursor.malformed()) {
            assertEquals(end, expectedOffset, "a well-formed compound is walked to its end");
        }

        // Bounds the caller got wrong are answered, not thrown.
        assertTrue(new RtcpCompoundCursor().reset(buf, off, len + 1).malformed());
        assertTrue(new RtcpCompoundCursor().reset(buf, -1, len).malformed());
        assertTrue(new RtcpCompoundCursor().reset(buf, off + 1, Integer.MAX_VALUE).malformed());
        assertTrue(new RtcpCompoundCursor().reset(null, 0, 0).malformed());
        assertFalse(RtcpCompoundCursor.isValidCompound(buf, off, len + 1));
        SenderReport.parse(buf, off, len + 1);
        ReceiverReport.parse(buf, off, len + 1);
        Remb.parse(buf, off, len + 1);
        TransportCcFeedback.parse(buf, off, len + 1);
        RtcpFeedback.nackItemCount(buf, off, len + 1);
        RtcpFeedback.firEntryCount(buf, off, len + 1);
    }

    /** One packet at {@code buf[at .. at+len)}, as yielded by the cursor: version 2, length field within len. */
    private static void packet(byte[] buf, int at, int len) {
        RtcpHeader.padding(buf, at);
        RtcpHeader.lengthWords(buf, at);
        if (len >= 8) {
            RtcpHeader.senderSsrc(buf, at);
        }
        if (len >= RtcpHeader.FEEDBACK_HEADER_LENGTH) {
            RtcpHeader.mediaSsrc(buf, at);
        }
        feedback(buf, at, len);
        reports(buf, at, len);
        remb(buf, at, len);
        transportCc(buf, at, len);
    }

    private static void feedback(byte[] buf, int at, int len) {
        RtcpFeedback.isPli(buf, at, len);
        boolean nack = RtcpFeedback.isNack(buf, at, len);
        boolean fir = RtcpFeedback.isFir(buf, at, len);
        int entries = RtcpFeedback.firEntryCount(buf, at, len);
        if (fir) {
            for (int i = 0; i < entries; i++) {
                RtcpFeedback.firSsrc(buf, at, i);
                assertTrue(RtcpFeedback.firSeqNr(buf, at, i) <= 255);
            }
        }
        int items = RtcpFeedback.nackItemCount(buf, at, len);
        assertTrue(items >= -1);
        if (nack || items >= 0) {
            // RFC 4585 §6.2.1: a PID and 16 bits of BLP, at most 17 packets per item: what RtcpRouting allocates.
            int[] lost = new int[Math.max(items, 0) * 17];
            int n = RtcpFeedback.nackSequenceNumbers(buf, at, len, lost);
            assertEquals(items < 0 ? -1 : n, n);
            if (items >= 0) {
                assertTrue(n >= items && n <= lost.length, n + " numbers from " + items + " items");
                for (int i = 0; i < n; i++) {
                    assertTrue(lost[i] >= 0 && lost[i] <= 0xFFFF);
                }
            }
            // A buffer too small is filled and no more.
            int[] small = new int[3];
            int m = RtcpFeedback.nackSequenceNumbers(buf, at, len, small);
            assertTrue(m <= small.length);
            RtcpFeedback.nackSequenceNumbers(buf, at, len, new int[0]);
        }
    }

    private static void reports(byte[] buf, int at, int len) {
        boolean isSr = SenderReport.isSenderReport(buf, at, len);
        SenderReport sr = SenderReport.parse(buf, at, len);
        assertEquals(isSr, sr != null);
        if (sr != null) {
            assertEquals(sr.ntpTimestamp(), SenderReport.ntpTimestamp(buf, at));
            assertEquals(sr.lastSr(), SenderReport.lastSrOf(buf, at));
            assertEquals(sr.rtpTimestamp(), SenderReport.rtpTimestamp(buf, at));
            assertEquals(sr.packetCount(), SenderReport.packetCount(buf, at));
            assertEquals(sr.octetCount(), SenderReport.octetCount(buf, at));
            assertEquals(RtcpHeader.countOrFmt(buf, at), sr.reportBlocks().size());
        }
        ReceiverReport rr = ReceiverReport.parse(buf, at, len);
        if (rr != null) {
            byte[] again = rr.marshal();
            assertEquals(rr, ReceiverReport.parse(again, 0, again.length), "an RR marshals to what it parsed from");
        }
    }

    private static void remb(byte[] buf, int at, int len) {
        if (!Remb.isRemb(buf, at, len)) {
            assertEquals(null, Remb.parse(buf, at, len));
            return;
        }
        long bitrate = Remb.bitrate(buf, at);
        assertTrue(bitrate >= 0, "bitrate " + bitrate);
        Remb remb = Remb.parse(buf, at, len);
        if (remb != null) {
            assertEquals(bitrate, remb.bitrateBps());
            byte[] again = remb.marshal();
            Remb reparsed = Remb.parse(again, 0, again.length);
            assertNotNull(reparsed);
            assertEquals(remb.senderSsrc(), reparsed.senderSsrc());
            assertEquals(remb.ssrcs(), reparsed.ssrcs());
            assertTrue(reparsed.bitrateBps() <= bitrate, "rounded down, never up");
        }
    }

    private static void transportCc(byte[] buf, int at, int len) {
        TransportCcFeedback feedback = TransportCcFeedback.parse(buf, at, len);
        if (feedback == null) {
            return;
        }
        int n = feedback.packetStatusCount();
        for (int i = 0; i < n; i++) {
            int status = feedback.status(i);
            assertTrue(status >= 0 && status <= 2, "status " + status);
            assertEquals(status != TransportCcFeedback.STATUS_NOT_RECEIVED, feedback.received(i));
            feedback.delta(i);
            feedback.sequenceNumber(i);
        }
        byte[] again = feedback.marshal();
        TransportCcFeedback reparsed = TransportCcFeedback.parse(again, 0, again.length);
        assertNotNull(reparsed, "what parsed marshals to a valid packet");
        assertEquals(n, reparsed.packetStatusCount());
        for (int i = 0; i < n; i++) {
            assertEquals(feedback.received(i), reparsed.received(i));
            if (feedback.received(i)) {
                assertEquals(feedback.delta(i), reparsed.delta(i));
            }
        }
        feedback.toString();
    }
}
