package org.reachwatch.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.json.AvroJson;

/** Hostile files cost bounded memory: over-long lines and gzip bombs are rejected and counted, the rest is read. */
class FeedLimitsTest {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");

    @TempDir
    Path dir;

    static String line(int i) {
        return AvroJson.toJsonLine(ProbeMeasurement.newBuilder().setMeasurementId("m" + i).setProbeId("p1").setCountry("PK")
                .setTarget("x.com").setStartTime(T0.plusSeconds(i)).setOutcome(MeasurementOutcome.REACHABLE)
                .setBlockingMethod(BlockingMethod.NONE).setSource(MeasurementSource.PROBE).build());
    }

    @Test
    void lineOverTheCapIsRejectedWithItsNumberAndTheLinesAfterItAreRead() throws IOException {
        String text = line(1) + "\r\n" + "x".repeat(5_000) + "\r\n" + line(2) + "\n\n" + "y".repeat(1_001) + "\n" + line(3);
        List<ProbeMeasurement> got = new ArrayList<>();

        ImportReport report = FeedImporter.reader(InputFormat.NATIVE)
                .read(new LineSource(new java.io.StringReader(text), 1_000), "t", got::add);

        assertThat(got).extracting(ProbeMeasurement::getMeasurementId).containsExactly("m1", "m2", "m3");
        assertThat(report.linesRead()).isEqualTo(6);
        assertThat(report.badLineDetails()).extracting(ImportReport.BadLine::lineNumber).containsExactly(2L, 5L);
        assertThat(report.badLineDetails().get(0).reason()).contains("5000 characters, over the cap of 1000");
        assertThat(report.rejectedByKind()).containsExactly(Map.entry(LineSource.LINE_TOO_LONG, 2L));
        assertThat(report.goodLines()).isEqualTo(3);
    }

    /**
     * An 8 MB file holding one line of 2.2 billion characters between good ones: more than a Java
     * String can hold, so reading the line whole fails whatever the heap (it did: OutOfMemoryError).
     */
    @Test
    void gzipBombOfOneEndlessLineIsRejectedAndTheGoodLinesAroundItKept() throws IOException {
        Path bomb = dir.resolve("bomb.jsonl.gz");
        long huge = GzipBomb.write(bomb, line(1) + "\n" + line(2) + "\n", 2_200_000_000L, "\n" + line(3) + "\n");
        assertThat(Files.size(bomb)).isLessThan(16 << 20);
        List<ProbeMeasurement> got = new ArrayList<>();

        ImportReport report = FeedImporter.importFile(bomb, InputFormat.NATIVE, got::add);

        assertThat(got).extracting(ProbeMeasurement::getMeasurementId).containsExactly("m1", "m2", "m3");
        assertThat(report.badLines()).isEqualTo(1);
        assertThat(report.badLineDetails().get(0).lineNumber()).isEqualTo(3);
        assertThat(report.badLineDetails().get(0).reason()).contains(huge + " characters");
        assertThat(report.rejectedByKind()).containsOnlyKeys(LineSource.LINE_TOO_LONG);
    }

    @Test
    void truncatedBombKeepsTheLinesBeforeItAndSaysTruncated() throws IOException {
        Path whole = dir.resolve("whole.gz");
        GzipBomb.write(whole, line(1) + "\n", 50_000_000L, "\n" + line(2) + "\n");
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.gz");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        List<ProbeMeasurement> got = new ArrayList<>();

        ImportReport report = FeedImporter.importFile(cut, InputFormat.NATIVE, got::add);

        assertThat(got).extracting(ProbeMeasurement::getMeasurementId).containsExactly("m1");
        assertThat(report.truncated()).isTrue();
        assertThat(report.rejectedByKind()).containsExactly(Map.entry(ImportReport.TRUNCATED, 1L));
    }

    @Test
    void wrongTypesInNativeLinesAreCountedByTheFieldThatIsWrong() throws IOException {
        String good = line(1);
        String text = String.join("\n", good,
                good.replace("\"startTime\":\"2024-02-17T20:00:01Z\"", "\"startTime\":\"yesterday\""),
                good.replace("\"country\":\"PK\"", "\"country\":[1,2]"),
                good.replace("\"dnsAnswers\":[]", "\"dnsAnswers\":{\"a\":1}"),
                "\u0000\u0001binary junk\uFFFD");
        List<ProbeMeasurement> got = new ArrayList<>();

        ImportReport report = FeedImporter.reader(InputFormat.NATIVE).read(LineSource.of(text), "t", got::add);

        assertThat(got).hasSize(1);
        assertThat(report.rejectedByKind()).containsOnlyKeys("invalid startTime", "invalid country", "invalid dnsAnswers", "not valid JSON");
    }

    /** Writes a gzip file: {@code before}, then {@code chars} x 'a' (no newline), then {@code after}, in few bytes. */
    static final class GzipBomb {
        private GzipBomb() {
        }

        static long write(Path file, String before, long chars, String after) throws IOException {
            // One gzip member of 64 MiB of 'a', repeated: gzip readers read concatenated members as one stream.
            int block = 64 << 20;
            ByteArrayOutputStream member = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(member)) {
                byte[] chunk = new byte[1 << 20];
                Arrays.fill(chunk, (byte) 'a');
                for (int i = 0; i < block / chunk.length; i++) {
                    gz.write(chunk);
                }
            }
            byte[] aMember = member.toByteArray();
            try (OutputStream out = Files.newOutputStream(file)) {
                out.write(gzip(before.getBytes(StandardCharsets.UTF_8)));
                long left = chars;
                for (; left >= block; left -= block) {
                    out.write(aMember);
                }
                byte[] rest = new byte[(int) left];
                Arrays.fill(rest, (byte) 'a');
                out.write(gzip(rest));
                out.write(gzip(after.getBytes(StandardCharsets.UTF_8)));
            }
            return chars;
        }

        private static byte[] gzip(byte[] data) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(data);
            }
            return out.toByteArray();
        }
    }
}
