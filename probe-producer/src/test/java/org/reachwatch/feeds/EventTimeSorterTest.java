package org.reachwatch.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;

/** The external sort gives exactly the stable in-memory sort by start time, from disk runs, and leaves no files. */
class EventTimeSorterTest {
    static final Instant T0 = Instant.parse("2023-11-08T00:00:00Z");

    @TempDir
    Path tmp;

    private static List<ProbeMeasurement> shuffled(int n, long seed) {
        Random random = new Random(seed);
        List<ProbeMeasurement> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // few distinct times: many ties, whose arrival order must survive
            out.add(ProbeMeasurement.newBuilder().setMeasurementId("m" + i).setProbeId("p").setCountry("KE")
                    .setTarget("telegram").setStartTime(T0.plusSeconds(60L * random.nextInt(50)))
                    .setOutcome(MeasurementOutcome.REACHABLE).setBlockingMethod(BlockingMethod.NONE)
                    .setSource(MeasurementSource.OONI_IMPORT).build());
        }
        return out;
    }

    @Test
    void manyRunsMergeToTheStableInMemoryOrderAndTheRunFilesAreRemoved() throws IOException {
        List<ProbeMeasurement> input = shuffled(2_000, 7);
        List<ProbeMeasurement> expected = new ArrayList<>(input);
        expected.sort(Comparator.comparing(ProbeMeasurement::getStartTime));
        List<ProbeMeasurement> got = new ArrayList<>();

        try (EventTimeSorter sorter = new EventTimeSorter(7, tmp)) {
            input.forEach(sorter);
            sorter.drainTo(got::add);
            assertThat(sorter.spilledRuns()).as("more runs than one merge takes").isGreaterThan(EventTimeSorter.MAX_FAN_IN);
        }

        assertThat(got).extracting(ProbeMeasurement::getMeasurementId)
                .containsExactlyElementsOf(expected.stream().map(ProbeMeasurement::getMeasurementId).toList());
        assertThat(got).containsExactlyElementsOf(expected);
        try (Stream<Path> left = Files.walk(tmp)) {
            assertThat(left.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void inputThatFitsOneRunNeverTouchesTheDisk() {
        List<ProbeMeasurement> input = shuffled(50, 3);
        List<ProbeMeasurement> got = new ArrayList<>();
        try (EventTimeSorter sorter = new EventTimeSorter(100, tmp)) {
            input.forEach(sorter);
            sorter.drainTo(got::add);
            assertThat(sorter.spilledRuns()).isZero();
        }
        assertThat(got).isSortedAccordingTo(Comparator.comparing(ProbeMeasurement::getStartTime)).hasSize(50);
    }
}
