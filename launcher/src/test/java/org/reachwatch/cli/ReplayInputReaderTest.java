package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.feeds.ImportReport;
import org.reachwatch.feeds.InputFormat;

/** The replay's input reader: file order across batches and files, back-pressure, failures rethrown in order, stoppable. */
class ReplayInputReaderTest {
    @TempDir
    Path dir;

    private static Replay.Request request(List<Path> inputs, InputFormat format) {
        return new Replay.Request(inputs, format, null, null, DetectorSettings.defaultSettings(), null, null, false);
    }

    @Test
    void handsEveryMeasurementOnInFileOrderThoughMoreThanTheQueueHolds() throws Exception {
        List<ProbeMeasurement> fleet = Fleet.measurements();
        List<ProbeMeasurement> first = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            first.addAll(fleet); // 36,000: more than the 64 x 512 the queue holds, so the reader must wait for the publisher
        }
        List<ProbeMeasurement> second = new ArrayList<>(fleet);
        Collections.reverse(second);
        Path a = Fleet.writeJsonLines(first, dir.resolve("a.jsonl"));
        Path b = Fleet.writeJsonLines(second, dir.resolve("b.jsonl"));
        assertThat(first.size()).isGreaterThan(Replay.InputReader.QUEUED_BATCHES * Replay.InputReader.BATCH);

        StringWriter err = new StringWriter();
        List<ProbeMeasurement> got = new ArrayList<>();
        List<ImportReport> reports;
        try (Replay.InputReader reader = Replay.InputReader.start(request(List.of(a, b), InputFormat.NATIVE), new PrintWriter(err))) {
            for (List<ProbeMeasurement> batch = reader.next(); batch != null; batch = reader.next()) {
                assertThat(batch).hasSizeLessThanOrEqualTo(Replay.InputReader.BATCH);
                got.addAll(batch);
            }
            assertThat(reader.next()).isNull();
            reports = reader.reports();
        }
        List<ProbeMeasurement> expected = new ArrayList<>(first);
        expected.addAll(second);
        assertThat(got).isEqualTo(expected);
        assertThat(reports).extracting(ImportReport::measurements).containsExactly((long) first.size(), (long) second.size());
        assertThat(err.toString()).contains("a.jsonl (native): 36,000 lines").contains("b.jsonl (native): 7,200 lines");
    }

    @Test
    void aFailingInputIsThrownAfterTheMeasurementsBeforeIt() throws Exception {
        Path good = Fleet.writeJsonLines(Fleet.measurements().subList(0, 1000), dir.resolve("good.jsonl"));
        Path csv = Files.writeString(dir.resolve("bad.csv"), "a,b,c\n1,2,3\n");
        List<ProbeMeasurement> got = new ArrayList<>();
        try (Replay.InputReader reader = Replay.InputReader.start(request(List.of(good, csv), null), new PrintWriter(new StringWriter()))) {
            assertThatThrownBy(() -> {
                for (List<ProbeMeasurement> batch = reader.next(); batch != null; batch = reader.next()) {
                    got.addAll(batch);
                }
            }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an OONI obs_web CSV");
        }
        assertThat(got).hasSize(1000);
    }

    @Test
    void closingStopsAReaderThatWaitsForAPublisher() throws Exception {
        List<ProbeMeasurement> many = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            many.addAll(Fleet.measurements());
        }
        Path a = Fleet.writeJsonLines(many, dir.resolve("a.jsonl"));
        Replay.InputReader reader = Replay.InputReader.start(request(List.of(a), InputFormat.NATIVE), new PrintWriter(new StringWriter()));
        assertThat(reader.next()).isNotEmpty(); // it is reading; nobody takes the rest, so it fills the queue and waits
        reader.close();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (reader.reading() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(reader.reading()).as("the reader thread ended after close").isFalse();
    }
}
