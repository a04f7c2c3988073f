package org.sfu.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sfu.signaling.ServerConfig;
import org.sfu.signaling.SfuServer;

/**
 * The load generator against the real server in this process, and against the plain relay: every participant gets
 * every other participant's audio and video of its room, and nothing from other rooms. Figures are printed, never
 * asserted: the machine is shared.
 */
class LoadGeneratorSmokeTest {

    @Test
    void twoRoomsOfThreeThroughTheServer(@TempDir Path dir) throws Exception {
        // Loopback only, free ports, as the signaling module's tests run the server.
        ServerConfig config = new ServerConfig(0, 0, InetAddress.getByName("127.0.0.1"), List.of(), null, null,
                List.of("127.0.0.0/8", "::1/128"), 1500, 262_144, ServerConfig.DEFAULT_MAX_ROOM_PARTICIPANTS);
        try (SfuServer server = SfuServer.start(config)) {
            LoadOptions options = LoadOptions.defaults()
                    .withTarget("sfu", URI.create("wss://127.0.0.1:" + server.httpPort()), null)
                    .withSize(2, 3, 5).withWarmup(1);
            LoadReport report = LoadGenerator.run(options, System.out);
            report.printSummary(System.out);
            assertEveryStreamArrived(report);
            for (LoadReport.ParticipantReport p : report.participants()) {
                assertEquals(0L, p.counters().get("signaling_errors"), p.name() + ": " + p.counters());
            }
            Path json = dir.resolve("result.json");
            report.writeJson(json);
            assertTrue(Files.readString(json).contains("\"lossPercent\""));
        }
    }

    /**
     * Three participants that all send under the same SSRCs, as apps that pick them alike do (the server's offers
     * publish everyone's): every receiver still gets each sender's audio and video as streams of their own, under
     * SSRCs the server chose for it.
     */
    @Test
    void participantsSendingUnderTheSameSsrcsAreStillSeparateStreamsForEveryReceiver() throws Exception {
        ServerConfig config = new ServerConfig(0, 0, InetAddress.getByName("127.0.0.1"), List.of(), null, null,
                List.of("127.0.0.0/8", "::1/128"), 1500, 262_144, ServerConfig.DEFAULT_MAX_ROOM_PARTICIPANTS);
        try (SfuServer server = SfuServer.start(config)) {
            LoadOptions options = LoadOptions.defaults()
                    .withTarget("sfu", URI.create("wss://127.0.0.1:" + server.httpPort()), null)
                    .withSize(1, 3, 3).withWarmup(1).withSharedSsrcs();
            LoadReport report = LoadGenerator.run(options, System.out);
            report.printSummary(System.out);
            assertEveryStreamArrived(report);
            Set<Long> shared = Set.of(LoadGenerator.SHARED_AUDIO_SSRC, LoadGenerator.SHARED_VIDEO_SSRC,
                    LoadGenerator.SHARED_VIDEO_RTX_SSRC);
            for (LoadReport.ParticipantReport p : report.participants()) {
                Set<Long> seen = new HashSet<>();
                for (LoadReport.StreamReport s : p.streams()) {
                    assertEquals(1, s.ssrcs().size(), p.name() + " got " + s.from() + " " + s.kind()
                            + " under one SSRC: " + s.ssrcs());
                    long ssrc = s.ssrcs().get(0);
                    assertTrue(seen.add(ssrc), p.name() + ": two streams under " + ssrc + ": " + p.streams());
                    assertFalse(shared.contains(ssrc), "the server's own SSRC, not the sender's: " + ssrc);
                }
            }
        }
    }

    @Test
    void twoRoomsOfThreeThroughThePlainRelay() throws Exception {
        LoadOptions options = LoadOptions.defaults().withTarget("relay", URI.create("wss://127.0.0.1:8000"), null)
                .withSize(2, 3, 2).withWarmup(1);
        LoadReport report = LoadGenerator.run(options, System.out);
        report.printSummary(System.out);
        assertEveryStreamArrived(report);
    }

    private static void assertEveryStreamArrived(LoadReport report) {
        LoadReport.Totals t = report.totals();
        assertEquals(0, t.participantsFailed(), "participants failed");
        assertEquals(0, t.foreignPackets(), "packets crossed rooms");
        assertEquals(t.streamsExpected(), t.streamsReceived(), "streams received");
        for (LoadReport.ParticipantReport p : report.participants()) {
            assertNull(p.failure(), p.name());
            assertEquals(4, p.streams().size(), p.name() + " hears both others' audio and video: " + p.streams());
            for (LoadReport.StreamReport s : p.streams()) {
                assertTrue(s.received() > 0, p.name() + " from " + s.from() + " " + s.kind());
                assertTrue(s.lossPercent() < 1.0, p.name() + " from " + s.from() + " " + s.kind() + ": " + s);
            }
        }
    }
}
