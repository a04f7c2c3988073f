package org.sfu.loadgen;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The result of one run, as printed and as written to JSON ({@code --json}). Delays are one-way, sender's
 * {@code System.nanoTime()} before protect to receiver's on arrival, so they include both participants' SRTP work and
 * the generator's own scheduling; loss is per stream from the first packet that arrived in the window (RFC 3550 §A.3).
 * Null numbers mean "not measured".
 */
public record LoadReport(String target, String address, int rooms, int participantsPerRoom, double durationSeconds,
                         int videoKbps, int audioKbps, double setupSeconds, Totals totals, Cpu cpu, Pacer pacer,
                         List<ParticipantReport> participants, ChurnReport churn) {

    /** The same report without churn: every participant ran the whole time. */
    public LoadReport(String target, String address, int rooms, int participantsPerRoom, double durationSeconds,
                      int videoKbps, int audioKbps, double setupSeconds, Totals totals, Cpu cpu, Pacer pacer,
                      List<ParticipantReport> participants) {
        this(target, address, rooms, participantsPerRoom, durationSeconds, videoKbps, audioKbps, setupSeconds, totals,
                cpu, pacer, participants, null);
    }

    /**
     * What a churn soak ({@code --churn}) did; the rest of the report is its final round, whose participants are the
     * ones there at the end.
     *
     * @param resumedWithMedia resumes after which every stream of the room arrived again (see {@link Churn})
     * @param mediaAgainP50Ms  from the resume's client_id to the last of those streams' first packet, median
     * @param joins            participants that joined in the place of one that left, vanished or failed
     * @param resumesFailed    drops whose resume did not bring the same session back, with why
     * @param mediaNotAgain    resumes after which some stream did not come again, with which
     * @param failures         participants that failed on their own during the churn (not by a churn event)
     * @param serverBefore     the server process (--server-pid) before the setup, or null
     * @param serverAfter      the same after the final round, while its participants are still there, or null
     */
    public record ChurnReport(double meanIntervalSeconds, String mix, double churnSeconds, long leaves, long drops,
                              long resumes, long resumedWithMedia, Double mediaAgainP50Ms, Double mediaAgainMaxMs,
                              long vanishes, long joins, List<String> resumesFailed, List<String> mediaNotAgain,
                              List<String> failures, ProcessSample serverBefore, ProcessSample serverAfter) {
        /** Every drop resumed into its own session and got media again, and nobody failed. */
        public boolean clean() {
            return resumes == drops && resumedWithMedia == resumes && resumesFailed.isEmpty()
                    && mediaNotAgain.isEmpty() && failures.isEmpty();
        }
    }

    /** A process's threads, open file descriptors and resident memory, from /proc/PID. */
    public record ProcessSample(int threads, int fileDescriptors, long rssKb) {
        /** Null when the process cannot be read (not Linux, another user's, gone). */
        public static ProcessSample of(long pid) {
            try {
                int threads = -1;
                long rss = -1;
                for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("Threads:")) {
                        threads = Integer.parseInt(line.substring(8).trim());
                    } else if (line.startsWith("VmRSS:")) {
                        rss = Long.parseLong(line.substring(6).replace("kB", "").trim());
                    }
                }
                int fds;
                try (var list = java.nio.file.Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                    fds = (int) list.count();
                }
                return new ProcessSample(threads, fds, rss);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            return threads + " threads, " + fileDescriptors + " fds, RSS " + rssKb / 1024 + " MiB";
        }
    }

    /**
     * @param streamsExpected (participants − 1) × 2 per receiver: everyone's audio and video but its own
     * @param foreignPackets  packets from participants of another room (must be 0)
     */
    public record Totals(long packetsSent, double packetsSentPerSecond, long packetsReceived,
                         double packetsReceivedPerSecond, double receivedMbps, long expected, long lost,
                         double lossPercent, long duplicates, long reordered, Double delayP50Ms, Double delayP99Ms,
                         Double delayMaxMs, int streamsExpected, int streamsReceived, long foreignPackets,
                         int participantsFailed) {
    }

    /**
     * @param targetMeasuredBy how the target's CPU was measured ("process <pid>", "relay thread"), or null
     * @param targetMicrosPerForwardedPacket target CPU time / packets received by all participants
     */
    public record Cpu(double loadgenSeconds, Double targetSeconds, Double targetMicrosPerForwardedPacket,
                      String targetMeasuredBy) {
    }

    /** How late the pacer sent frames: a late pacer means the generator, not the target, was saturated. */
    public record Pacer(double meanLatenessMs, double maxLatenessMs, long skippedFrames) {
    }

    public record ParticipantReport(String name, String room, String failure, long audioPacketsSent,
                                    long videoPacketsSent, long keyframesSent, List<StreamReport> streams,
                                    Map<String, Long> counters) {
    }

    /** @param ssrcs the SSRCs the receiver got the stream under (one, unless its SSRC changed) */
    public record StreamReport(String from, String kind, long received, long expected, long lost, double lossPercent,
                               long duplicates, long reordered, Double delayP50Ms, Double delayP99Ms,
                               List<Long> ssrcs) {
    }

    /** Milliseconds rounded to µs; null for "no samples". */
    static Double ms(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 1000) / 1000.0;
    }

    public void writeJson(Path file) throws IOException {
        SignalingConnection.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), this);
    }

    public void printSummary(PrintStream out) {
        out.println();
        out.printf("%-10s %-10s %7s %10s %10s %8s %6s %6s %9s %9s  %s%n", "receiver", "room", "streams", "received",
                "expected", "loss %", "dup", "reord", "p50 ms", "p99 ms", "failure");
        for (ParticipantReport p : participants) {
            long received = 0;
            long expected = 0;
            long lost = 0;
            long dup = 0;
            long reordered = 0;
            int streams = 0;
            for (StreamReport s : p.streams) {
                received += s.received;
                expected += s.expected;
                lost += s.lost;
                dup += s.duplicates;
                reordered += s.reordered;
                if (s.received > 0) {
                    streams++;
                }
            }
            double p50 = p.streams.stream().filter(s -> s.delayP50Ms != null).mapToDouble(StreamReport::delayP50Ms)
                    .sorted().skip(p.streams.size() / 2).findFirst().orElse(Double.NaN);
            double p99 = p.streams.stream().filter(s -> s.delayP99Ms != null).mapToDouble(StreamReport::delayP99Ms)
                    .max().orElse(Double.NaN);
            out.printf("%-10s %-10s %3d/%-3d %10d %10d %8.3f %6d %6d %9.3f %9.3f  %s%n", p.name, p.room, streams,
                    (participantsPerRoom - 1) * 2, received, expected, expected == 0 ? 0.0 : 100.0 * lost / expected,
                    dup, reordered, p50, p99, p.failure == null ? "" : p.failure);
        }
        out.println("(per receiver: p50 is the median of its streams' medians, p99 the worst of its streams' p99)");
        out.println();
        Totals t = totals;
        out.printf("target              %s %s%n", target, address);
        out.printf("participants        %d rooms x %d, video %d kbit/s, audio %d kbit/s each; setup %.1f s, "
                + "measured %.1f s%n", rooms, participantsPerRoom, videoKbps, audioKbps, setupSeconds,
                durationSeconds);
        out.printf("sent                %,d packets (%,.0f /s)%n", t.packetsSent, t.packetsSentPerSecond);
        out.printf("received (forwarded) %,d packets (%,.0f /s, %.1f Mbit/s)%n", t.packetsReceived,
                t.packetsReceivedPerSecond, t.receivedMbps);
        out.printf("streams             %d of %d received; %d foreign packets; %d participants failed%n",
                t.streamsReceived, t.streamsExpected, t.foreignPackets, t.participantsFailed);
        out.printf("loss                %.3f %% (%,d of %,d); %d duplicates, %d reordered%n", t.lossPercent, t.lost,
                t.expected, t.duplicates, t.reordered);
        out.printf("one-way delay       p50 %s ms, p99 %s ms, max %s ms%n", t.delayP50Ms, t.delayP99Ms, t.delayMaxMs);
        out.printf("cpu                 load generator %.2f s", cpu.loadgenSeconds);
        if (cpu.targetSeconds != null) {
            out.printf("; target (%s) %.2f s = %.2f us per forwarded packet", cpu.targetMeasuredBy, cpu.targetSeconds,
                    cpu.targetMicrosPerForwardedPacket);
        }
        out.println();
        out.printf("pacer               late mean %.3f ms, max %.3f ms, %d frames skipped%n", pacer.meanLatenessMs,
                pacer.maxLatenessMs, pacer.skippedFrames);
        if (churn != null) {
            ChurnReport c = churn;
            out.printf("churn               %.0f s, an event every %.1f s per place (leave:drop:vanish %s)%n",
                    c.churnSeconds, c.meanIntervalSeconds, c.mix);
            out.printf("  events            %d leaves, %d drops, %d vanishes; %d joined in their places%n", c.leaves,
                    c.drops, c.vanishes, c.joins);
            out.printf("  resumes           %d of %d drops resumed; %d got media again (p50 %s ms, max %s ms)%n",
                    c.resumes, c.drops, c.resumedWithMedia, c.mediaAgainP50Ms, c.mediaAgainMaxMs);
            c.resumesFailed.forEach(f -> out.println("  resume failed     " + f));
            c.mediaNotAgain.forEach(f -> out.println("  no media again    " + f));
            c.failures.forEach(f -> out.println("  failed            " + f));
            if (c.serverBefore != null || c.serverAfter != null) {
                out.printf("  server process    before: %s; after the final round: %s%n", c.serverBefore,
                        c.serverAfter);
            }
            out.printf("  verdict           %s%n", c.clean() && t.streamsReceived == t.streamsExpected
                    && t.participantsFailed == 0 ? "clean: every resume came back with media, final round complete"
                    : "NOT CLEAN");
        }
    }
}
