package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopicConfigs;
import org.reachwatch.feeds.InputFormat;
import org.reachwatch.schemas.json.AvroJson;

/**
 * Probes with wrong clocks change nothing: the Pakistan scenario replayed with a measurement dated
 * 2099 at its head and forty measurements from probes whose clocks run 1 to 40 days ahead, sprinkled
 * through the week, gives exactly the events of the clean replay. On main before the quantile clock,
 * the 2099 record alone made every other measurement late (0 events).
 */
class WrongClocksIT {
    static final String SCENARIO = "pakistan-2024";

    @TempDir
    Path dir;

    @Test
    void aRecordFrom2099AndFortyProbesDaysAheadChangeNoEvent() throws Exception {
        List<ProbeMeasurement> honest = DrillCluster.scenario(SCENARIO);
        List<String> reference = DrillCluster.referenceEvents(SCENARIO);
        assertThat(reference).as("the scenario has a story to get right")
                .anyMatch(e -> e.contains("\"PARTIAL_RESTORATION\"")).anyMatch(e -> e.contains("\"REBLOCKED\""));

        List<ProbeMeasurement> tampered = new ArrayList<>();
        tampered.add(liar(honest.get(0), "from-2099", Instant.parse("2099-01-01T00:00:00Z")));
        int every = honest.size() / 41;
        int liars = 0;
        for (int i = 0; i < honest.size(); i++) {
            tampered.add(honest.get(i));
            if (i > 0 && i % every == 0 && liars < 40) {
                liars++;
                tampered.add(liar(honest.get(i), "ahead-" + liars,
                        honest.get(i).getStartTime().plus(Duration.ofDays(liars))));
            }
        }
        assertThat(liars).isEqualTo(40);
        Path input = dir.resolve("tampered.jsonl");
        Replay.writeLines(input, tampered.stream().map(AvroJson::toJsonLine));

        Replay.Result result = Replay.run(new Replay.Request(List.of(input), InputFormat.NATIVE, dir.resolve("events.jsonl"),
                null, DetectorSettings.defaultSettings(), Cluster.plain(null, null), DetectorTopicConfigs.defaults(), false),
                new PrintWriter(new StringWriter()));

        assertThat(result.events().stream().map(AvroJson::toJsonLine).toList()).isEqualTo(reference);
        assertThat(result.detectorStats()).as("the 2099 record is refused, not counted")
                .containsEntry("dead-letter", 1L);
        long lateBefore = DrillCluster.referenceStats(SCENARIO).getOrDefault("late", 0L);
        assertThat(result.detectorStats().getOrDefault("late", 0L)).as("no honest measurement made late by the liars")
                .isLessThanOrEqualTo(lateBefore + 40);
    }

    /** A measurement of a target of its own from a probe of its own, at {@code at}: a probe with a wrong clock. */
    private static ProbeMeasurement liar(ProbeMeasurement like, String probe, Instant at) {
        return ProbeMeasurement.newBuilder(like).setMeasurementId("wrong-clock-" + probe).setProbeId(probe)
                .setTarget("wrong-clock.example").setStartTime(at).build();
    }
}
