package org.reachwatch.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopicConfigs;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.detector.TopicDrain;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.feeds.InputFormat;
import org.reachwatch.registry.SchemaRegistryServer;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.io.Directories;
import org.reachwatch.schemas.json.AvroJson;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * A real broker and registry for the fault drills, with what a drill does to them: publish a
 * scenario's measurements in arrival order to the detector's default topics, watch a detector's
 * committed progress, read its events; and the reference: the same measurements through
 * {@code replay}, uncrashed, on a broker of its own.
 */
final class DrillCluster implements AutoCloseable {
    static final Path SCENARIOS = Path.of("..", "scenarios").toAbsolutePath().normalize();

    final EmbeddedKafkaBroker broker;
    final SchemaRegistryServer registry;
    final DetectorTopics topics;
    /** How far the ticks topic reached when the end of input was sent (see {@link #awaitEndOfInput}). */
    long ticksAtEnd;

    private DrillCluster(EmbeddedKafkaBroker broker, SchemaRegistryServer registry) {
        this.broker = broker;
        this.registry = registry;
        this.topics = DetectorTopics.defaults(registry.url());
        DetectorApp.createTopics(broker.bootstrapServers(), topics);
    }

    static DrillCluster start() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        try {
            return new DrillCluster(broker, SchemaRegistryServer.start(broker.bootstrapServers(), 0));
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    String bootstrapServers() {
        return broker.bootstrapServers();
    }

    String registryUrl() {
        return registry.url();
    }

    private static final Map<String, List<ProbeMeasurement>> SCENARIOS_SEEN = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Map<String, List<String>> REFERENCES = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Map<String, Map<String, Long>> REFERENCE_STATS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Map<String, List<String>> REFERENCE_OUTAGES = new java.util.concurrent.ConcurrentHashMap<>();

    /** A scenario's measurements in arrival order, as {@code reachwatch simulate} writes them. */
    static synchronized List<ProbeMeasurement> scenario(String name) throws IOException {
        List<ProbeMeasurement> known = SCENARIOS_SEEN.get(name);
        if (known != null) {
            return known;
        }
        Path out = Files.createTempFile("reachwatch-drill-", ".jsonl");
        try {
            int exit = ReachwatchCli.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(new StringWriter()))
                    .execute("simulate", "--scenario", SCENARIOS.resolve(name + ".yaml").toString(), "--out", out.toString());
            if (exit != 0) {
                throw new IllegalStateException("simulate " + name + " exited " + exit);
            }
            List<ProbeMeasurement> measurements = new ArrayList<>();
            try (var lines = Files.lines(out)) {
                lines.forEach(line -> measurements.add(AvroJson.fromJsonLine(line, ProbeMeasurement.class)));
            }
            SCENARIOS_SEEN.put(name, List.copyOf(measurements));
            return SCENARIOS_SEEN.get(name);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Publishes {@code measurements} in order, as {@code replay} does, and waits until the broker has them. */
    void publish(List<ProbeMeasurement> measurements) {
        try (KafkaProducer<String, ProbeMeasurement> producer = new KafkaProducer<>(producerConfig(), new StringSerializer(),
                AvroSerde.specific(ProbeMeasurement.class, registryUrl(), false).serializer())) {
            for (ProbeMeasurement m : measurements) {
                producer.send(new ProducerRecord<>(topics.measurements().name(), TopicNames.partitionKey(m.getCountry()), m));
            }
            producer.flush();
        }
    }

    /** The heartbeat {@code replay} sends after the last measurement, so the last windows close. */
    void publishEndOfInput(List<ProbeMeasurement> measurements, DetectorSettings settings) {
        Instant last = measurements.stream().map(ProbeMeasurement::getStartTime).max(Comparator.naturalOrder()).orElseThrow();
        try (KafkaProducer<String, ProbeHeartbeat> producer = new KafkaProducer<>(producerConfig(), new StringSerializer(),
                AvroSerde.specific(ProbeHeartbeat.class, registryUrl(), false).serializer())) {
            DetectorApp.sendEndOfInput(producer, topics, last, settings);
        }
        ticksAtEnd = endOffset(topics.ticks().name());
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        return config;
    }

    /**
     * Records the detector group {@code applicationId} has committed on {@code topic}, all partitions
     * together (the offsets summed; 0 when none). Under exactly-once a partition's committed offset may
     * sit one past a transaction marker, so this counts markers too: compare it with what was published.
     */
    long committed(String applicationId, String topic) {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
                    .mapToLong(e -> e.getValue().offset()).sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the progress of " + applicationId + ": " + e, e);
        }
    }

    /**
     * For a stall's report: per partition of the detector's inputs, what {@code applicationId} has
     * committed against what the partition holds (committed/end; "-" when nothing is committed).
     */
    String progress(String applicationId) {
        StringBuilder out = new StringBuilder();
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            for (String topic : List.of(topics.measurements().name(), topics.heartbeats().name(), topics.ticks().name(),
                    topics.verdicts().name())) {
                out.append(topic).append(':');
                endOffsets(admin, topic).forEach((tp, end) -> {
                    OffsetAndMetadata c = offsets.get(tp);
                    out.append(' ').append(tp.partition()).append('=').append(c == null ? "-" : String.valueOf(c.offset()))
                            .append('/').append(end);
                });
                out.append('\n');
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            out.append("(progress unreadable: ").append(e).append(")\n");
        }
        return out.toString();
    }

    /** End offsets of {@code topic}'s partitions, summed: how many records (and transaction markers) it holds. */
    long endOffset(String topic) {
        try (Admin admin = admin()) {
            return endOffsets(admin, topic).values().stream().mapToLong(Long::longValue).sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the end of " + topic + ": " + e, e);
        }
    }

    /** Each partition's end offset, by partition number. */
    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
                .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new java.util.TreeMap<>(Comparator.comparingInt(TopicPartition::partition));
        admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }

    /** Waits until the detector has committed at least {@code offset} on {@code topic}; fails if it dies first. */
    void awaitCommitted(String applicationId, String topic, long offset, Duration timeout, DetectorProcess detector)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (committed(applicationId, topic) < offset) {
            if (detector != null && !detector.isAlive()) {
                throw new IllegalStateException("detector died; log:\n" + detector.tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("detector did not commit offset " + offset + " of " + topic + " within " + timeout
                        + " (at " + committed(applicationId, topic) + ")\n" + progress(applicationId)
                        + (detector == null ? "" : "log:\n" + detector.tail() + "\nthreads:\n" + detector.threadDump()));
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    /**
     * Waits until the detector has processed the end-of-input marker on every partition: it has
     * committed as far on the ticks topic as that topic held when the marker was sent (its own ticks
     * come after).
     */
    void awaitEndOfInput(String applicationId, long ticksAtEnd, Duration timeout, DetectorProcess detector)
            throws InterruptedException {
        awaitCommitted(applicationId, topics.ticks().name(), ticksAtEnd, timeout, detector);
    }

    /**
     * Waits until the second stage has committed every verdict the first stage committed (call after
     * {@link #awaitEndOfInput}: no window closes after it).
     */
    void awaitSecondStage(String applicationId, Duration timeout, DetectorProcess detector) throws InterruptedException {
        awaitCommitted(applicationId, topics.verdicts().name(), endOffset(topics.verdicts().name()), timeout, detector);
    }

    /** Every service outage event committed so far, as JSON lines. */
    List<String> serviceOutages() {
        return TopicDrain.readAll(bootstrapServers(), topics.serviceOutages().name(),
                topics.serviceOutages().valueSerde().deserializer(), Duration.ofMinutes(2)).stream().map(AvroJson::toJsonLine).toList();
    }

    /** Every disruption event committed so far, as JSON lines. */
    List<String> events() {
        return TopicDrain.readAll(bootstrapServers(), topics.events().name(), topics.events().valueSerde().deserializer(),
                Duration.ofMinutes(2)).stream().map(AvroJson::toJsonLine).toList();
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /**
     * The scenario's measurements through {@code replay} on its own embedded broker, uncrashed: the
     * events a drill must match (computed once per scenario per test JVM).
     */
    static synchronized List<String> referenceEvents(String scenario) throws IOException {
        List<String> known = REFERENCES.get(scenario);
        if (known != null) {
            return known;
        }
        Path dir = Files.createTempDirectory("reachwatch-reference-");
        try {
            Path input = dir.resolve("input.jsonl");
            Replay.writeLines(input, scenario(scenario).stream().map(AvroJson::toJsonLine));
            Replay.Result result = Replay.run(new Replay.Request(List.of(input), InputFormat.NATIVE, dir.resolve("events.jsonl"),
                    null, DetectorSettings.defaultSettings(), Cluster.plain(null, null), DetectorTopicConfigs.defaults(), false), new PrintWriter(new StringWriter()));
            REFERENCES.put(scenario, result.events().stream().map(AvroJson::toJsonLine).toList());
            REFERENCE_STATS.put(scenario, Map.copyOf(result.detectorStats()));
            REFERENCE_OUTAGES.put(scenario, result.serviceOutages().stream().map(AvroJson::toJsonLine).toList());
            return REFERENCES.get(scenario);
        } finally {
            Directories.deleteRecursively(dir);
        }
    }

    /** The detector's counters in the reference run of {@code scenario} (after {@link #referenceEvents}). */
    static synchronized Map<String, Long> referenceStats(String scenario) throws IOException {
        referenceEvents(scenario);
        return REFERENCE_STATS.get(scenario);
    }

    /** The service outage events of the reference run of {@code scenario} (see {@link #referenceEvents}). */
    static synchronized List<String> referenceServiceOutages(String scenario) throws IOException {
        referenceEvents(scenario);
        return REFERENCE_OUTAGES.get(scenario);
    }

    @Override
    public void close() {
        registry.close();
        broker.close();
    }
}
