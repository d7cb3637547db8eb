package org.reachwatch.cli;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopicConfigs;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.detector.TopicDrain;
import org.reachwatch.feeds.FeedImporter;
import org.reachwatch.feeds.ImportReport;
import org.reachwatch.feeds.InputFormat;
import org.reachwatch.schemas.json.AvroJson;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * Replays measurement files through the real detector on a real cluster: publishes every record
 * in file order (file order is arrival order; event time is the measurement's start time), tells
 * the detector the input has ended, waits until it has processed everything, then reads back
 * every disruption event (and, when asked, every availability window). Used by {@code replay},
 * {@code eval} and tests.
 */
final class Replay {
    /** What to replay and where to write; the cluster's null addresses are started embedded. */
    record Request(List<Path> inputs, InputFormat format, Path eventsOut, Path windowsOut, DetectorSettings settings,
                   Cluster cluster, DetectorTopicConfigs topicConfigs, boolean eventTimeOrder) {
    }

    /** What happened. */
    record Result(List<DisruptionEvent> events, long windows, long published, List<ImportReport> reports,
                  Map<String, Long> detectorStats, double seconds, long brokerStartupMillis) {
        long badLines() {
            return reports.stream().mapToLong(ImportReport::badLines).sum();
        }

        long incidents() {
            return events.stream().map(DisruptionEvent::getIncidentId).distinct().count();
        }
    }

    private Replay() {
    }

    static Result run(Request request, PrintWriter err) throws IOException {
        for (Path input : request.inputs()) {
            if (!Files.isReadable(input) || Files.isDirectory(input)) {
                throw new IllegalArgumentException("cannot read input file " + input);
            }
        }
        long started = System.nanoTime();
        try (EmbeddedStack stack = EmbeddedStack.connectOrStart(request.cluster(), 0)) {
            String run = UUID.randomUUID().toString().substring(0, 8);
            // On a shared cluster every replay gets its own topics, so runs never mix.
            String prefix = stack.embedded() ? "" : "replay-" + run + ".";
            DetectorTopics topics = DetectorTopics.withPrefix(prefix, stack.registryUrl());
            Path state = Files.createTempDirectory("reachwatch-replay-");
            Map<String, Object> client = stack.cluster().kafka();
            try (DetectorApp app = DetectorApp.start(stack.bootstrapServers(), client, request.topicConfigs(), topics,
                    request.settings(), "reachwatch-replay-" + run, state, new Properties(), Duration.ofSeconds(90))) {
                Published published = publish(request, stack, topics, err);
                app.awaitCaughtUp(Duration.ofMinutes(60));
                List<DisruptionEvent> events = TopicDrain.readAll(stack.bootstrapServers(), client, topics.events().name(),
                        topics.events().valueSerde().deserializer(), Duration.ofMinutes(5));
                writeLines(request.eventsOut(), events.stream().map(AvroJson::toJsonLine));
                long windows = request.windowsOut() == null ? 0 : writeWindows(request.windowsOut(), stack, topics);
                Map<String, Long> stats = app.stats();
                return new Result(events, windows, published.count, published.reports, stats,
                        (System.nanoTime() - started) / 1e9, stack.brokerStartupMillis());
            } finally {
                deleteQuietly(state);
            }
        }
    }

    private record Published(long count, List<ImportReport> reports) {
    }

    private static Published publish(Request request, EmbeddedStack stack, DetectorTopics topics, PrintWriter err) throws IOException {
        Map<String, Object> config = new HashMap<>();
        // Replays are bulk loads: larger, compressed batches multiply throughput; 20 ms costs nothing here.
        config.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        stack.cluster().kafka().forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k)) {
                config.put(k, v);
            }
        });
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        Progress progress = new Progress(err, "replay: published", 2000);
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        long[] lastEventTime = {Long.MIN_VALUE};
        List<ImportReport> reports = new ArrayList<>();
        try (KafkaProducer<String, ProbeMeasurement> producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerde.specific(ProbeMeasurement.class, stack.registryUrl(), false).serializer());
             KafkaProducer<String, ProbeHeartbeat> heartbeats = new KafkaProducer<>(config, new StringSerializer(),
                     AvroSerde.specific(ProbeHeartbeat.class, stack.registryUrl(), false).serializer())) {
            List<ProbeMeasurement> buffer = new ArrayList<>();
            java.util.function.Consumer<ProbeMeasurement> send = m -> {
                    if (sendFailure.get() != null) {
                        throw new IllegalStateException("publishing failed: " + sendFailure.get().getMessage(), sendFailure.get());
                    }
                    long t = m.getStartTime().toEpochMilli();
                    lastEventTime[0] = Math.max(lastEventTime[0], t);
                    // The record timestamp is the publish time; event time travels in startTime. Old
                    // timestamps would make the detector's changelogs delete their own state by retention.
                    producer.send(new ProducerRecord<>(topics.measurements().name(), m.getCountry() + "|" + m.getTarget(), m),
                            (metadata, e) -> {
                                if (e != null) {
                                    sendFailure.compareAndSet(null, e);
                                }
                            });
                progress.tick();
            };
            for (Path input : request.inputs()) {
                InputFormat format = request.format() != null ? request.format() : guessFormat(input);
                ImportReport report = FeedImporter.importFile(input, format, request.eventTimeOrder() ? buffer::add : send);
                reports.add(report);
                err.printf(Locale.ROOT, "replay: %s (%s): %,d lines, %,d measurements, %,d bad lines%s%n", input, format,
                        report.linesRead(), report.measurements(), report.badLines(),
                        report.badLineDetails().isEmpty() ? "" : "; first: " + report.badLineDetails().get(0));
            }
            if (request.eventTimeOrder()) {
                // Exports that lost arrival order (OONI's are grouped by other keys) are replayed by event time.
                buffer.sort(Comparator.comparing(ProbeMeasurement::getStartTime));
                buffer.forEach(send);
            }
            producer.flush();
            if (sendFailure.get() != null) {
                throw new IllegalStateException("publishing failed: " + sendFailure.get().getMessage(), sendFailure.get());
            }
            if (lastEventTime[0] != Long.MIN_VALUE) {
                ProbeHeartbeat marker = DetectorApp.endOfInputMarker(Instant.ofEpochMilli(lastEventTime[0]), request.settings());
                heartbeats.send(new ProducerRecord<>(topics.heartbeats().name(), marker.getProbeId(), marker));
                heartbeats.flush();
            }
        }
        err.printf(Locale.ROOT, "replay: published %,d measurements in %.1f s (%,.0f/s); waiting for the detector%n",
                progress.count(), progress.elapsedSeconds(), progress.rate());
        err.flush();
        return new Published(progress.count(), reports);
    }

    private static long writeWindows(Path out, EmbeddedStack stack, DetectorTopics topics) throws IOException {
        createParent(out);
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            return TopicDrain.forEach(stack.bootstrapServers(), stack.cluster().kafka(), topics.windows().name(),
                    topics.windows().valueSerde().deserializer(),
                    Duration.ofMinutes(10), (AvailabilityWindow w) -> {
                        try {
                            writer.write(AvroJson.toJsonLine(w));
                            writer.newLine();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        }
    }

    /** CSV files are OONI observation exports; JSON lines with OONI's {@code probe_cc} are raw OONI; the rest is native. */
    static InputFormat guessFormat(Path input) throws IOException {
        String name = input.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv") || name.endsWith(".csv.gz")) {
            return InputFormat.OONI_OBS;
        }
        try (BufferedReader reader = FeedImporter.open(input)) {
            String first = reader.readLine();
            return first != null && first.contains("\"probe_cc\"") ? InputFormat.OONI : InputFormat.NATIVE;
        }
    }

    static void writeLines(Path out, Stream<String> lines) throws IOException {
        createParent(out);
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (String line : (Iterable<String>) lines::iterator) {
                writer.write(line);
                writer.newLine();
            }
        }
    }

    private static void createParent(Path out) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }

    /** Deletes a temporary directory tree; one left behind is harmless, so failures are ignored. */
    static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temporary state directory left behind is harmless.
        }
    }
}
