package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopicConfigs;
import org.reachwatch.feeds.InputFormat;
import org.reachwatch.schemas.json.AvroJson;
import org.reachwatch.simulator.Scenario;
import org.reachwatch.simulator.Simulator;
import org.reachwatch.simulator.TimedMeasurement;

/**
 * A replay whose input stops a few seconds into a window (a truncated file, or simply where the
 * data ends): that last window holds a sliver of the usual volume, and the end-of-input marker closes
 * it. A sliver is the input ending, not the region going dark: no outage may be reported.
 */
class EndOfInputIT {
    @TempDir
    Path dir;

    @Test
    void aLastWindowCutShortRaisesNoOutage() throws Exception {
        Scenario scenario = Scenario.read(DrillCluster.SCENARIOS.resolve("noisy-no-disruption.yaml"));
        Instant cut = Instant.parse("2024-06-01T14:00:40Z");
        Path input = dir.resolve("cut.jsonl");
        long written = 0;
        try (BufferedWriter w = Files.newBufferedWriter(input, StandardCharsets.UTF_8)) {
            Iterator<TimedMeasurement> it = Simulator.run(scenario);
            while (it.hasNext()) {
                TimedMeasurement m = it.next();
                if (m.arrival().isBefore(cut)) {
                    w.write(AvroJson.toJsonLine(m.measurement()));
                    w.newLine();
                    written++;
                }
            }
        }

        Replay.Result result = Replay.run(new Replay.Request(List.of(input), InputFormat.NATIVE, dir.resolve("events.jsonl"),
                null, DetectorSettings.defaultSettings(), Cluster.plain(null, null), DetectorTopicConfigs.defaults(), false), new PrintWriter(new StringWriter()));

        assertThat(result.published()).isEqualTo(written).isGreaterThan(5_000);
        assertThat(result.events()).extracting(DisruptionEvent::getType).isEmpty();
    }
}
