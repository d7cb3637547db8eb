package org.reachwatch.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSpoolTest {
    @TempDir
    Path dir;

    private static List<Integer> numbers(List<DiskSpool.Entry> entries) {
        return entries.stream().map(e -> Measurements.number(e.measurement())).toList();
    }

    @Test
    void recordsAreReadInAppendOrderAcrossSegmentsAndAcknowledgedSegmentsAreDeleted() throws Exception {
        try (DiskSpool spool = new DiskSpool(dir, 32 * 1024, Duration.ZERO)) { // 8 KiB segments: 20 records need two
            for (int i = 0; i < 20; i++) {
                spool.append(Measurements.numbered(i, 3));
            }
            List<DiskSpool.Entry> first = spool.read(7, Duration.ZERO);
            assertThat(numbers(first)).containsExactly(0, 1, 2, 3, 4, 5, 6);
            assertThat(numbers(spool.read(100, Duration.ZERO))).as("reading does not consume").startsWith(0, 1).hasSize(20);
            spool.acknowledge(first.get(6).next());
            List<DiskSpool.Entry> rest = spool.read(100, Duration.ZERO);
            assertThat(numbers(rest)).containsExactlyElementsOf(java.util.stream.IntStream.range(7, 20).boxed().toList());
            long segmentsBefore = countSegments();
            spool.acknowledge(rest.get(rest.size() - 1).next());
            assertThat(spool.pendingBytes()).isZero();
            assertThat(spool.read(10, Duration.ofMillis(10))).isEmpty();
            assertThat(countSegments()).isLessThan(segmentsBefore).isEqualTo(1);
        }
    }

    @Test
    void fullSpoolRefusesWithAnExceptionCountsItAndAcceptsAgainOnceAcknowledged() throws Exception {
        try (DiskSpool spool = new DiskSpool(dir, 2 * 1024, Duration.ZERO)) {
            int accepted = 0;
            while (true) {
                try {
                    spool.append(Measurements.numbered(accepted, 2));
                    accepted++;
                } catch (SpoolFullException e) {
                    assertThat(e).hasMessageContaining("is full").hasMessageContaining(String.format("m-%06d", accepted));
                    break;
                }
            }
            assertThat(accepted).isGreaterThan(2);
            assertThat(spool.pendingBytes()).isLessThanOrEqualTo(2 * 1024);
            assertThat(spool.isFull()).isTrue();
            int next = accepted;
            assertThatThrownBy(() -> spool.append(Measurements.numbered(next, 2))).isInstanceOf(SpoolFullException.class);
            assertThat(spool.refused()).isEqualTo(2);
            List<DiskSpool.Entry> all = spool.read(1000, Duration.ZERO);
            assertThat(all).hasSize(accepted);
            spool.acknowledge(all.get(all.size() - 1).next());
            spool.append(Measurements.numbered(next, 2));
            assertThat(spool.isFull()).isFalse();
            assertThat(numbers(spool.read(10, Duration.ZERO))).containsExactly(next);
        }
    }

    @Test
    void reopenedSpoolResumesAfterTheCheckpointAndSkipsATornLastLine() throws Exception {
        try (DiskSpool spool = new DiskSpool(dir, 1 << 20, Duration.ofSeconds(1))) {
            for (int i = 0; i < 10; i++) {
                spool.append(Measurements.numbered(i, 3));
            }
            List<DiskSpool.Entry> entries = spool.read(4, Duration.ZERO);
            spool.acknowledge(entries.get(3).next());
        }
        Path segment;
        try (Stream<Path> files = Files.list(dir)) {
            segment = files.filter(p -> p.getFileName().toString().startsWith("spool-")).findFirst().orElseThrow();
        }
        // a power loss in the middle of a write leaves half a line, then the next run appends after it
        Files.writeString(segment, "{\"measurementId\":\"m-torn\",\"probe", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Files.writeString(segment, "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (DiskSpool spool = new DiskSpool(dir, 1 << 20, Duration.ofSeconds(1))) {
            spool.append(Measurements.numbered(10, 3));
            List<DiskSpool.Entry> before = spool.read(100, Duration.ZERO);
            assertThat(numbers(before)).as("good lines before the damage come first").containsExactly(4, 5, 6, 7, 8, 9);
            spool.acknowledge(before.get(before.size() - 1).next());
            assertThat(numbers(spool.read(100, Duration.ZERO))).containsExactly(10);
            assertThat(spool.corruptLines()).isEqualTo(1);
        }
    }

    @Test
    void unreadableTailIsSkippedSoTheSpoolEmptiesInsteadOfSpinning() throws Exception {
        Path segment = dir.resolve("spool-000000000001.jsonl");
        Files.writeString(segment, "not a measurement\n{\"also\":\"bad\"}\n");
        try (DiskSpool spool = new DiskSpool(dir, 1 << 20, Duration.ZERO)) {
            assertThat(spool.pendingBytes()).isPositive();
            assertThat(spool.read(10, Duration.ZERO)).isEmpty();
            assertThat(spool.corruptLines()).isEqualTo(2);
            assertThat(spool.pendingBytes()).isZero();
        }
    }

    @Test
    void appenderInterruptedMidWriteDoesNotBreakTheSpool() throws Exception {
        try (DiskSpool spool = new DiskSpool(dir, 1 << 20, Duration.ZERO)) {
            for (int i = 0; i < 3; i++) {
                spool.append(Measurements.numbered(i, 3));
            }
            Thread.currentThread().interrupt(); // an interrupted FileChannel write closes the channel
            try {
                spool.append(Measurements.numbered(3, 3));
            } catch (java.io.UncheckedIOException e) {
                assertThat(e).hasRootCauseInstanceOf(java.nio.channels.ClosedByInterruptException.class);
            } finally {
                Thread.interrupted();
            }
            spool.append(Measurements.numbered(4, 3));
            List<DiskSpool.Entry> all = spool.read(100, Duration.ZERO);
            assertThat(numbers(all)).startsWith(0, 1, 2).endsWith(4);
            spool.acknowledge(all.get(all.size() - 1).next());
            assertThat(spool.pendingBytes()).isZero();
        }
    }

    private long countSegments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("spool-")).count();
        }
    }
}
