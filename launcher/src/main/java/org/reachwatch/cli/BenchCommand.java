package org.reachwatch.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopicConfigs;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.serde.AvroSerde;
import org.reachwatch.simulator.Scenario;
import org.reachwatch.simulator.Simulator;
import org.reachwatch.simulator.TimedMeasurement;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch bench}: on one embedded broker, (a) raw produce+consume throughput of the
 * serialized measurements of a scenario, (b) the full detector topology (exactly-once) over the
 * same records, from a backlog; prints records/s for both and their ratio; (c) live end-to-end
 * latency percentiles.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Throughput on the embedded broker: raw produce+consume vs the full detector (exactly-once), "
                + "then end-to-end latency percentiles in live mode.")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", description = "Scenario whose measurements are used (default: scenarios/pakistan-2024.yaml).")
    Path scenarioFile;

    /** A given cluster instead of the embedded broker and registry (the bench then uses its own bench-* topics). */
    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Scenario scenario = Scenario.read(scenarioFile != null ? scenarioFile
                : Path.of(System.getenv().getOrDefault("REACHWATCH_HOME", ".")).resolve("scenarios/pakistan-2024.yaml"));
        List<ProbeMeasurement> measurements = new ArrayList<>();
        for (Iterator<TimedMeasurement> it = Simulator.run(scenario); it.hasNext(); ) {
            measurements.add(it.next().measurement());
        }
        out.printf(Locale.ROOT, "bench: %,d measurements of %s, %d cores%n", measurements.size(), scenario.name(),
                Runtime.getRuntime().availableProcessors());
        Path work = Files.createTempDirectory("reachwatch-bench-");
        try (EmbeddedStack stack = EmbeddedStack.connectOrStart(cluster.resolve(null, null), 0)) {
            // On a shared cluster the bench writes only to topics of its own.
            String prefix = stack.embedded() ? "" : "bench-" + java.util.UUID.randomUUID().toString().substring(0, 8) + ".";
            Map<String, Object> client = stack.cluster().kafka();
            DetectorTopics topics = DetectorTopics.withPrefix(prefix, stack.registryUrl());
            DetectorApp.createTopics(stack.bootstrapServers(), client, DetectorTopicConfigs.defaults(), topics,
                    DetectorSettings.defaultSettings().partitions());
            Serializer<ProbeMeasurement> serializer = AvroSerde.specific(ProbeMeasurement.class, stack.registryUrl(), false).serializer();
            List<byte[]> bytes = measurements.stream().map(m -> serializer.serialize(topics.measurements().name(), m)).toList();
            List<byte[]> keys = measurements.stream()
                    .map(m -> TopicNames.partitionKey(m.getCountry()).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toList();

            long t0 = System.nanoTime();
            produce(stack.bootstrapServers(), client, topics.measurements().name(), keys, bytes);
            long produced = System.nanoTime();
            consume(stack.bootstrapServers(), client, topics.measurements().name(), bytes.size());
            long consumed = System.nanoTime();
            double rawRate = bytes.size() / ((consumed - t0) / 1e9);
            out.printf(Locale.ROOT, "raw:      produce %,.0f records/s, produce+consume %,.0f records/s%n",
                    bytes.size() / ((produced - t0) / 1e9), rawRate);

            ProbeMeasurement last = measurements.stream().max((a, b) -> a.getStartTime().compareTo(b.getStartTime())).orElseThrow();
            try (KafkaProducer<String, ProbeHeartbeat> ticks = new KafkaProducer<>(clientConfig(stack.bootstrapServers(), client,
                    ProducerConfig.configNames(), Map.of(ProducerConfig.ACKS_CONFIG, "all")), new org.apache.kafka.common.serialization.StringSerializer(),
                    AvroSerde.specific(ProbeHeartbeat.class, stack.registryUrl(), false).serializer())) {
                DetectorApp.sendEndOfInput(ticks, topics, last.getStartTime(), DetectorSettings.defaultSettings());
            }
            long detectorStart = System.nanoTime();
            try (DetectorApp app = DetectorApp.start(stack.bootstrapServers(), client, DetectorTopicConfigs.defaults(), topics,
                    DetectorSettings.defaultSettings(), prefix + "reachwatch-bench", work, new Properties(), Duration.ofSeconds(90))) {
                long running = System.nanoTime();
                app.awaitCaughtUp(Duration.ofMinutes(30));
                long done = System.nanoTime();
                double detectorRate = bytes.size() / ((done - running) / 1e9);
                out.printf(Locale.ROOT, "detector: %,.0f records/s (exactly-once, backlog; start-up %.1f s excluded), stats %s%n",
                        detectorRate, (running - detectorStart) / 1e9, app.stats());
                out.printf(Locale.ROOT, "ratio detector / raw: %.3f%n", detectorRate / rawRate);
            }
            liveLatency(stack, prefix, work, out);
        } finally {
            Replay.deleteQuietly(work);
        }
        return 0;
    }

    /**
     * Live mode: measurements stamped with the wall clock at {@code liveRate}/s, one-second windows,
     * no grace. Latency = from sending the first measurement past a window's end (the record that
     * closes it) to reading that window's AvailabilityWindow, committed, from the output topic.
     */
    private void liveLatency(EmbeddedStack stack, String prefix, Path work, PrintWriter out) throws Exception {
        Properties props = new Properties();
        props.setProperty("detector.window.size", "PT1S");
        props.setProperty("detector.grace", "PT0S");
        DetectorSettings settings = DetectorSettings.from(props);
        DetectorTopics topics = DetectorTopics.withPrefix(prefix + "live.", stack.registryUrl());
        Map<String, Object> client = stack.cluster().kafka();
        Map<Long, Long> closedBySend = new java.util.concurrent.ConcurrentHashMap<>();
        List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        try (DetectorApp app = DetectorApp.start(stack.bootstrapServers(), client, DetectorTopicConfigs.defaults(), topics, settings,
                prefix + "reachwatch-bench-live", work.resolve("live"), new Properties(), Duration.ofSeconds(90));
             KafkaProducer<byte[], ProbeMeasurement> producer = new KafkaProducer<>(clientConfig(stack.bootstrapServers(), client,
                     ProducerConfig.configNames(), Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, "0")),
                     new ByteArraySerializer(), AvroSerde.specific(ProbeMeasurement.class, stack.registryUrl(), false).serializer());
             KafkaConsumer<byte[], org.reachwatch.avro.AvailabilityWindow> consumer = new KafkaConsumer<>(clientConfig(
                     stack.bootstrapServers(), client, ConsumerConfig.configNames(),
                     Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")), new ByteArrayDeserializer(),
                     topics.windows().valueSerde().deserializer())) {
            TopicPartition windows = new TopicPartition(topics.windows().name(), 0);
            consumer.assign(List.of(windows));
            consumer.seekToEnd(List.of(windows));
            consumer.position(windows);
            int rate = 500;
            long end = System.currentTimeMillis() + 20_000;
            long lastWindowEnd = -1;
            int i = 0;
            while (System.currentTimeMillis() < end) {
                long now = System.currentTimeMillis();
                long windowEnd = now - now % 1000;
                ProbeMeasurement m = ProbeMeasurement.newBuilder()
                        .setMeasurementId("live-" + i++).setProbeId("bench-" + (i % 10)).setCountry("ZZ").setAsn("AS0")
                        .setTarget("example.org").setStartTime(java.time.Instant.ofEpochMilli(now))
                        .setOutcome(org.reachwatch.avro.MeasurementOutcome.REACHABLE).build();
                producer.send(new ProducerRecord<>(topics.measurements().name(),
                        TopicNames.partitionKey(m.getCountry()).getBytes(java.nio.charset.StandardCharsets.UTF_8), m));
                if (windowEnd != lastWindowEnd) {
                    // This record is the first past the previous window's end: it closes that window.
                    closedBySend.put(windowEnd, System.nanoTime());
                    lastWindowEnd = windowEnd;
                }
                for (var r : consumer.poll(Duration.ZERO)) {
                    Long sent = closedBySend.get(r.value().getWindowEnd().toEpochMilli());
                    if (sent != null && r.value().getAsn() == null) {
                        latencies.add((System.nanoTime() - sent) / 1_000_000);
                    }
                }
                Thread.sleep(1000 / rate);
            }
            long drainUntil = System.currentTimeMillis() + 3000;
            while (System.currentTimeMillis() < drainUntil) {
                for (var r : consumer.poll(Duration.ofMillis(100))) {
                    Long sent = closedBySend.get(r.value().getWindowEnd().toEpochMilli());
                    if (sent != null && r.value().getAsn() == null) {
                        latencies.add((System.nanoTime() - sent) / 1_000_000);
                    }
                }
            }
        }
        List<Long> sorted = new ArrayList<>(latencies);
        sorted.sort(null);
        if (sorted.isEmpty()) {
            out.println("live: no window was observed");
            return;
        }
        out.printf(Locale.ROOT, "live: %d windows closed; end-to-end latency (closing record sent -> window read) p50 %d ms, p95 %d ms, p99 %d ms, max %d ms%n",
                sorted.size(), pct(sorted, 50), pct(sorted, 95), pct(sorted, 99), sorted.get(sorted.size() - 1));
    }

    private static long pct(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    /** {@code base}, then the client settings of this client type, then {@code fixed} and the bootstrap servers. */
    private static Map<String, Object> clientConfig(String bootstrap, Map<String, Object> client, java.util.Set<String> names,
                                                    Map<String, Object> fixed) {
        Map<String, Object> config = new java.util.HashMap<>();
        client.forEach((k, v) -> {
            if (names.contains(k)) {
                config.put(k, v);
            }
        });
        config.putAll(fixed);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return config;
    }

    private static void produce(String bootstrap, Map<String, Object> client, String topic, List<byte[]> keys,
                                List<byte[]> values) throws Exception {
        Map<String, Object> config = clientConfig(bootstrap, client, ProducerConfig.configNames(), Map.of(ProducerConfig.ACKS_CONFIG,
                "all", ProducerConfig.LINGER_MS_CONFIG, "20", ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < values.size(); i++) {
                producer.send(new ProducerRecord<>(topic, keys.get(i), values.get(i)));
            }
            producer.flush();
        }
    }

    private static void consume(String bootstrap, Map<String, Object> client, String topic, int expected) {
        Map<String, Object> config = clientConfig(bootstrap, client, ConsumerConfig.configNames(),
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            int read = 0;
            while (read < expected) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
        }
    }
}
