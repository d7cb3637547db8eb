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
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.schemas.serde.AvroSerde;
import org.reachwatch.simulator.Scenario;
import org.reachwatch.simulator.Simulator;
import org.reachwatch.simulator.TimedMeasurement;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch bench}: on one embedded broker, (a) raw produce+consume throughput of the
 * serialized measurements of a scenario, (b) the full detector topology (exactly-once) over the
 * same records, from a backlog; prints records/s for both and their ratio.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Throughput on the embedded broker: raw produce+consume vs the full detector (exactly-once).")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", description = "Scenario whose measurements are used (default: scenarios/pakistan-2024.yaml).")
    Path scenarioFile;

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
        try (EmbeddedStack stack = EmbeddedStack.connectOrStart(null, null, 0)) {
            DetectorTopics topics = DetectorTopics.defaults(stack.registryUrl());
            DetectorApp.createTopics(stack.bootstrapServers(), topics);
            Serializer<ProbeMeasurement> serializer = AvroSerde.specific(ProbeMeasurement.class, stack.registryUrl(), false).serializer();
            List<byte[]> bytes = measurements.stream().map(m -> serializer.serialize(topics.measurements().name(), m)).toList();

            long t0 = System.nanoTime();
            produce(stack.bootstrapServers(), topics.measurements().name(), bytes);
            long produced = System.nanoTime();
            consume(stack.bootstrapServers(), topics.measurements().name(), bytes.size());
            long consumed = System.nanoTime();
            double rawRate = bytes.size() / ((consumed - t0) / 1e9);
            out.printf(Locale.ROOT, "raw:      produce %,.0f records/s, produce+consume %,.0f records/s%n",
                    bytes.size() / ((produced - t0) / 1e9), rawRate);

            ProbeMeasurement last = measurements.stream().max((a, b) -> a.getStartTime().compareTo(b.getStartTime())).orElseThrow();
            ProbeHeartbeat marker = DetectorApp.endOfInputMarker(last.getStartTime(), DetectorSettings.defaultSettings());
            produce(stack.bootstrapServers(), topics.heartbeats().name(),
                    List.of(AvroSerde.specific(ProbeHeartbeat.class, stack.registryUrl(), false).serializer()
                            .serialize(topics.heartbeats().name(), marker)));
            long detectorStart = System.nanoTime();
            try (DetectorApp app = DetectorApp.start(stack.bootstrapServers(), topics, DetectorSettings.defaultSettings(),
                    "reachwatch-bench", work, new Properties(), Duration.ofSeconds(90))) {
                long running = System.nanoTime();
                app.awaitCaughtUp(Duration.ofMinutes(30));
                long done = System.nanoTime();
                double detectorRate = bytes.size() / ((done - running) / 1e9);
                out.printf(Locale.ROOT, "detector: %,.0f records/s (exactly-once, backlog; start-up %.1f s excluded), stats %s%n",
                        detectorRate, (running - detectorStart) / 1e9, app.stats());
                out.printf(Locale.ROOT, "ratio detector / raw: %.3f%n", detectorRate / rawRate);
            }
        } finally {
            Replay.deleteQuietly(work);
        }
        return 0;
    }

    private static void produce(String bootstrap, String topic, List<byte[]> values) throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, "20", ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[] v : values) {
                producer.send(new ProducerRecord<>(topic, v));
            }
            producer.flush();
        }
    }

    private static void consume(String bootstrap, String topic, int expected) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            int read = 0;
            while (read < expected) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
        }
    }
}
