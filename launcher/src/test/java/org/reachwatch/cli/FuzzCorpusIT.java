package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.json.AvroJson;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * Drill: the fuzz corpus. On the wire (bad magic byte, unknown schema id, truncated Avro, the wrong
 * record type, a payload shorter than the header) every bad record lands in the dead-letter topic
 * with its reason and every good one is counted by the detector. In files (invalid JSON, wrong
 * types, a line over the cap, a gzip bomb, a truncated gzip) every bad line is counted with its
 * reason, the good ones are processed, and {@code replay} exits non-zero only when the input is not
 * trustworthy (nothing valid, or more bad than good).
 */
class FuzzCorpusIT {
    static final Instant T0 = Instant.parse("2024-02-17T12:00:00Z");
    static final String REASON_HEADER = "reachwatch.reason";

    private static DrillCluster cluster;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        cluster = DrillCluster.start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static ProbeMeasurement measurement(int i) {
        return ProbeMeasurement.newBuilder().setMeasurementId("fuzz-" + i).setProbeId("probe-" + (i % 7)).setCountry("PK")
                .setAsn("AS17557").setTarget("x.com").setStartTime(T0.plusSeconds(30L * i))
                .setOutcome(MeasurementOutcome.REACHABLE).setBlockingMethod(BlockingMethod.NONE)
                .setSource(MeasurementSource.PROBE).build();
    }

    @Test
    void badRecordsOnTheWireAreDeadLetteredWithTheirReasonAndGoodOnesCounted() throws Exception {
        var serializer = AvroSerde.specific(ProbeMeasurement.class, cluster.registryUrl(), false).serializer();
        var heartbeatSerializer = AvroSerde.specific(ProbeHeartbeat.class, cluster.registryUrl(), false).serializer();
        String topic = cluster.topics.measurements().name();
        List<byte[]> good = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            good.add(serializer.serialize(topic, measurement(i)));
        }
        byte[] sample = good.get(0);
        byte[] badMagic = sample.clone();
        badMagic[0] = 1;
        byte[] unknownId = sample.clone();
        ByteBuffer.wrap(unknownId).putInt(1, 987_654);
        byte[] truncated = Arrays.copyOf(sample, sample.length - 8);
        byte[] tooShort = Arrays.copyOf(sample, 3);
        byte[] wrongType = heartbeatSerializer.serialize(cluster.topics.heartbeats().name(), ProbeHeartbeat.newBuilder()
                .setProbeId("p").setCountry("PK").setSentAt(T0).setSource(MeasurementSource.PROBE).setSoftwareName("fuzz").build());
        Map<String, byte[]> bad = Map.of("unknown magic byte", badMagic, "unknown schema id", unknownId,
                "truncated or corrupt Avro", truncated, "truncated header", tooShort, "incompatible writer schema", wrongType);

        Path state = Files.createDirectories(dir.resolve("state"));
        try (DetectorApp app = DetectorApp.start(cluster.bootstrapServers(), cluster.topics, DetectorSettings.defaultSettings(),
                "drill-fuzz", state, new Properties(), Duration.ofMinutes(2));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            int n = 0;
            // Keyed by country, as every producer must key them; the bad ones too, so they reach the task
            // that would have judged them.
            byte[] key = TopicNames.partitionKey("PK").getBytes(StandardCharsets.UTF_8);
            for (byte[] record : good) {
                producer.send(new ProducerRecord<>(topic, key, record));
                if (++n % 60 == 0) {
                    bad.values().forEach(b -> producer.send(new ProducerRecord<>(topic, key, b)));
                }
            }
            producer.flush();
            app.awaitCaughtUp(Duration.ofMinutes(2));

            List<String> reasons = deadLetterReasons(cluster.topics.deadLetter().name());
            int badSent = 5 * bad.size();
            assertThat(reasons).hasSize(badSent);
            bad.keySet().forEach(phrase -> assertThat(reasons).as("dead letters for '%s'", phrase)
                    .filteredOn(r -> r.contains(phrase)).hasSize(5));
            assertThat(app.stats()).containsEntry("measurements", 300L).containsEntry("dead-letter", (long) badSent);
        }
    }

    @Test
    void badLinesInFilesAreCountedByReasonAndTheGoodOnesAreProcessed() throws Exception {
        List<String> lines = new ArrayList<>();
        int next = 1_000;
        for (int i = 0; i < 200; i++) {
            lines.add(AvroJson.toJsonLine(measurement(next++)));
            if (i % 50 == 0) {
                lines.add("{\"measurementId\": \"broken");                                                 // invalid JSON
                lines.add(AvroJson.toJsonLine(measurement(90_000 + i)).replace("\"startTime\":\"", "\"startTime\":\"x")); // wrong type
                lines.add("\u0000\u0007\u00ff binary \u0001");                                                 // junk
            }
        }
        lines.add("[" + "9,".repeat(600_000) + "9]");                                                        // 1.2 M chars
        Path fuzz = dir.resolve("fuzz.jsonl");
        Files.write(fuzz, lines, StandardCharsets.UTF_8);
        // A gzip bomb: 300 million characters on one line between good lines, in a file of a few hundred KB.
        Path bomb = dir.resolve("bomb.jsonl.gz");
        int bombFirst = next;
        writeBomb(bomb, AvroJson.toJsonLine(measurement(next++)) + "\n" + AvroJson.toJsonLine(measurement(next++)) + "\n",
                300_000_000L, "\n" + AvroJson.toJsonLine(measurement(next++)) + "\n");
        assertThat(Files.size(bomb)).isLessThan(1 << 20);
        // A download cut in the middle: the lines before the cut count, the cut is reported.
        StringBuilder whole = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            whole.append(AvroJson.toJsonLine(measurement(next++))).append('\n');
        }
        Path cut = dir.resolve("cut.jsonl.gz");
        byte[] gz = gzip(whole.toString().getBytes(StandardCharsets.UTF_8));
        Files.write(cut, Arrays.copyOf(gz, gz.length / 2));
        assertThat(next - bombFirst).isEqualTo(403);

        Run run = replay("--input", fuzz.toString(), "--input", bomb.toString(), "--input", cut.toString(), "--format", "native",
                "--max-line-length", "1000000");

        assertThat(run.exit).as(run.err).isZero();
        Map<String, Long> rejected = rejectedByReason(run.out);
        assertThat(rejected).containsEntry("not valid JSON", 8L).containsEntry("invalid startTime", 4L)
                .containsEntry("line too long", 2L).containsEntry("file truncated", 1L).hasSize(4);
        long beforeTheCut = org.reachwatch.feeds.FeedImporter.importFile(cut, org.reachwatch.feeds.InputFormat.NATIVE, m -> { })
                .measurements();
        assertThat(beforeTheCut).isBetween(1L, 399L);
        long published = number(run.out, "published ([\\d,]+) measurements");
        assertThat(published).as("200 + 3 good lines, and the cut file's lines before the cut").isEqualTo(203 + beforeTheCut);
        assertThat(number(run.out, "detector: \\{.*measurements=(\\d+)")).as("every published measurement was processed")
                .isEqualTo(published);
    }

    @Test
    void inputWithNothingValidOrMostlyBadExitsThreeWithTheCounts() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.jsonl"));
        Run nothing = replay("--input", empty.toString(), "--format", "native");
        assertThat(nothing.exit).as("exit; stderr:%n%s", nothing.err).isEqualTo(ReplayCommand.EXIT_BAD_INPUT);
        assertThat(nothing.err).contains("no valid measurement").contains("read 0 lines, published 0 measurements, rejected 0 lines");

        Path junk = dir.resolve("junk.bin");
        byte[] bytes = new byte[1 << 20];
        new Random(42).nextBytes(bytes);
        Files.write(junk, bytes);
        Run garbage = replay("--input", junk.toString());
        assertThat(garbage.exit).as("exit; stderr:%n%s", garbage.err).isEqualTo(ReplayCommand.EXIT_BAD_INPUT);
        assertThat(garbage.err).contains("no valid measurement").containsPattern("rejected [\\d,]+ lines: not valid JSON");

        Path mostlyBad = dir.resolve("mostly-bad.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            lines.add(AvroJson.toJsonLine(measurement(50_000 + i)));
        }
        for (int i = 0; i < 5; i++) {
            lines.add("not json " + i);
        }
        Files.write(mostlyBad, lines, StandardCharsets.UTF_8);
        Run bad = replay("--input", mostlyBad.toString(), "--format", "native");
        assertThat(bad.exit).as("exit; stderr:%n%s", bad.err).isEqualTo(ReplayCommand.EXIT_BAD_INPUT);
        assertThat(bad.err).contains("more bad lines than good ones (5 bad, 3 good)");
        assertThat(bad.out).contains("input: read 8 lines, published 3 measurements, rejected 5 lines: not valid JSON 5");
    }

    private record Run(int exit, String out, String err) {
    }

    private Run replay(String... args) {
        List<String> all = new ArrayList<>(List.of("replay", "--events-out", dir.resolve("events-" + System.nanoTime() + ".jsonl").toString(),
                "--bootstrap-servers", cluster.bootstrapServers(), "--schema-registry-url", cluster.registryUrl()));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = ReachwatchCli.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private static Map<String, Long> rejectedByReason(String out) {
        Matcher line = Pattern.compile("input: read [\\d,]+ lines, published [\\d,]+ measurements, rejected [\\d,]+ lines: (.*)").matcher(out);
        assertThat(line.find()).as(out).isTrue();
        Map<String, Long> reasons = new HashMap<>();
        for (String part : line.group(1).split(", ")) {
            int space = part.lastIndexOf(' ');
            reasons.put(part.substring(0, space), Long.parseLong(part.substring(space + 1).replace(",", "")));
        }
        return reasons;
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("'%s' in:%n%s", regex, text).isTrue();
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    private static List<String> deadLetterReasons(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> reasons = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Header reason = r.headers().lastHeader(REASON_HEADER);
                    reasons.add(reason == null ? "(no reason header)" : new String(reason.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return reasons;
    }

    /** {@code before}, {@code chars} x 'a' on one line, {@code after}: gzip members of 16 MiB repeated, so the file stays small. */
    static void writeBomb(Path file, String before, long chars, String after) throws IOException {
        int block = 16 << 20;
        byte[] a = new byte[block];
        Arrays.fill(a, (byte) 'a');
        byte[] member = gzip(a);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(gzip(before.getBytes(StandardCharsets.UTF_8)));
            long left = chars;
            for (; left >= block; left -= block) {
                out.write(member);
            }
            out.write(gzip(Arrays.copyOf(a, (int) left)));
            out.write(gzip(after.getBytes(StandardCharsets.UTF_8)));
        }
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
