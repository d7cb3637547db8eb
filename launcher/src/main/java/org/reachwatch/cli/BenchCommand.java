package org.reachwatch.cli;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopicConfigs;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.io.Directories;
import org.reachwatch.schemas.kafka.KafkaClients;
import org.reachwatch.schemas.serde.AvroSerde;
import org.reachwatch.simulator.Scenario;
import org.reachwatch.simulator.Simulator;
import org.reachwatch.simulator.TimedMeasurement;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch bench}: the detector's throughput against what the same machine does without it,
 * on the same records. A scenario's measurements are repeated back to back (each copy shifted in
 * time by the scenario's span, ids made unique) to {@code --records}. After {@code --warmup} untimed rounds (2),
 * each of {@code --runs} rounds writes the records into fresh topics and times, from a backlog:
 * <ol>
 *   <li>raw produce (idempotent producer, acks=all, the detector's linger and compression);</li>
 *   <li>raw consume with Avro decoding (every value deserialized through the registry serde);</li>
 *   <li>the plain Kafka Streams reference: decode, then a count per (window, country, target) in a
 *       cached RocksDB store, exactly-once, the detector's commit interval;</li>
 *   <li>the same count over the detector's three inputs: measurements, plus the heartbeats and ticks
 *       topics, empty here. What Kafka Streams charges a task for inputs that are mostly empty (it
 *       checks, and since 4.2 formats a log line for, every empty partition before every record)
 *       is the difference between the two counts, and none of the detector's own work;</li>
 *   <li>the full detector topology, exactly-once.</li>
 * </ol>
 * Clients are built before the clock starts and closed after it stops; a Streams app is timed from
 * its first commit to the commit that reaches the end of the input (records in between over time in
 * between), so its start-up is left out; over the same interval, the CPU time its stream threads used
 * per record is read too (steadier than a rate on a shared machine: it leaves out waiting for a core
 * the broker or the JIT holds). Then live end-to-end latency.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Throughput on the embedded broker, warm, from a backlog: raw produce, raw consume with Avro, "
                + "a plain Kafka Streams count and the full detector (both exactly-once), then end-to-end latency "
                + "percentiles in live mode.")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", description = "Scenario whose measurements are repeated (default: scenarios/pakistan-2024.yaml).")
    Path scenarioFile;

    @Option(names = "--records", defaultValue = "500000", description = "Measurements per round (default: ${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--runs", defaultValue = "3", description = "Timed rounds after the warm-up (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed warm-up rounds before them (default: ${DEFAULT-VALUE}; "
            + "the detector's per-window code is compiled late, and is still 1.5-2x slower in the round after the first).")
    int warmup;

    @Option(names = "--live-seconds", defaultValue = "20", description = "Length of the live latency run, 0 to skip (default: ${DEFAULT-VALUE}).")
    int liveSeconds;

    /** A given cluster instead of the embedded broker and registry (the bench then uses its own bench-* topics). */
    @Mixin
    ClusterOptions cluster;

    private static final String PRODUCE = "raw produce";
    private static final String CONSUME = "raw consume with Avro";
    private static final String PLAIN = "plain Kafka Streams count";
    private static final String PLAIN_THREE_INPUTS = "same, detector's 3 inputs";
    private static final String DETECTOR = "full detector";
    private static final List<String> PHASES = List.of(PRODUCE, CONSUME, PLAIN, PLAIN_THREE_INPUTS, DETECTOR);
    /** Key suffixes (after a phase's name) of the stream threads' CPU time per record (microseconds), beside the rates. */
    private static final String CPU = " cpu";
    /** Keys of the CPU time per record of the producers' network threads and of every other thread of this JVM. */
    private static final String PRODUCER_IO = " producer I/O";
    private static final String REST = " rest of the JVM";
    /** Keys of the whole process's CPU time per record (GC and JIT included) and the cores it kept busy. */
    private static final String PROCESS = " process";
    private static final String CORES = " cores";

    @Override
    public Integer call() throws Exception {
        if (records < 1000 || runs < 1 || warmup < 0 || liveSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "need --records >= 1000, --runs >= 1, --warmup >= 0, --live-seconds >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        Scenario scenario = Scenario.read(scenarioFile != null ? scenarioFile
                : Path.of(System.getenv().getOrDefault("REACHWATCH_HOME", ".")).resolve("scenarios/pakistan-2024.yaml"));
        Path work = Files.createTempDirectory("reachwatch-bench-");
        try (EmbeddedStack stack = EmbeddedStack.connectOrStart(cluster.resolve(null, null), 0)) {
            Map<String, Object> client = stack.cluster().kafka();
            String prefix = stack.embedded() ? "" : "bench-" + UUID.randomUUID().toString().substring(0, 8) + ".";
            Serializer<ProbeMeasurement> serializer = AvroSerde.specific(ProbeMeasurement.class, stack.registryUrl(), false).serializer();
            Input input = Input.of(scenario, records, serializer, TopicNames.MEASUREMENTS);
            DetectorSettings settings = DetectorSettings.defaultSettings();
            out.printf(Locale.ROOT, "bench: %,d measurements (%s repeated %d times, shifted in time), %d cores, %d partitions, "
                            + "exactly-once, commit interval %d ms; %d warm-up rounds, then %d timed%n",
                    input.values.size(), scenario.name(), input.copies, Runtime.getRuntime().availableProcessors(),
                    settings.partitions(), DetectorApp.COMMIT_INTERVAL_MS, warmup, runs);
            out.flush();
            Map<String, List<Double>> rates = new HashMap<>();
            for (int round = 1 - warmup; round <= runs; round++) {
                String label = round <= 0 ? "warm-up " + (round + warmup) : "run " + round + "/" + runs;
                Map<String, Double> r = round(stack, client, prefix + "bench" + (round + warmup) + ".", input, settings,
                        work.resolve("r" + (round + warmup)));
                out.printf(Locale.ROOT, "%-9s produce %,9.0f/s   consume+Avro %,9.0f/s   plain Streams %,9.0f/s (3 inputs %,9.0f/s)"
                                + "   detector %,9.0f/s%n",
                        label, r.get(PRODUCE), r.get(CONSUME), r.get(PLAIN), r.get(PLAIN_THREE_INPUTS), r.get(DETECTOR));
                out.flush();
                if (round > 0) {
                    r.forEach((k, v) -> rates.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
                }
            }
            summary(rates, stack.embedded(), out);
            if (liveSeconds > 0) {
                liveLatency(stack, prefix, work.resolve("live"), out);
            }
        } finally {
            Directories.deleteRecursively(work);
        }
        return 0;
    }

    /** The records, serialized once, keyed by country as every producer of the detector's input must. */
    record Input(List<byte[]> keys, List<byte[]> values, int copies) {
        static Input of(Scenario scenario, int records, Serializer<ProbeMeasurement> serializer, String topic) {
            List<ProbeMeasurement> base = new ArrayList<>();
            for (Iterator<TimedMeasurement> it = Simulator.run(scenario); it.hasNext(); ) {
                base.add(it.next().measurement());
            }
            if (base.isEmpty()) {
                throw new IllegalArgumentException("scenario " + scenario.name() + " has no measurements");
            }
            long first = base.stream().mapToLong(m -> m.getStartTime().toEpochMilli()).min().orElseThrow();
            long last = base.stream().mapToLong(m -> m.getStartTime().toEpochMilli()).max().orElseThrow();
            long day = Duration.ofDays(1).toMillis();
            long span = (Math.floorDiv(last - first, day) + 2) * day;
            List<byte[]> keys = new ArrayList<>(records);
            List<byte[]> values = new ArrayList<>(records);
            int copy = 0;
            while (values.size() < records) {
                for (int i = 0; i < base.size() && values.size() < records; i++) {
                    ProbeMeasurement m = base.get(i);
                    ProbeMeasurement shifted = copy == 0 ? m : ProbeMeasurement.newBuilder(m)
                            .setMeasurementId(m.getMeasurementId() + "#" + copy)
                            .setStartTime(Instant.ofEpochMilli(m.getStartTime().toEpochMilli() + copy * span)).build();
                    keys.add(TopicNames.partitionKey(m.getCountry()).getBytes(StandardCharsets.UTF_8));
                    values.add(serializer.serialize(topic, shifted));
                }
                copy++;
            }
            return new Input(keys, values, copy);
        }
    }

    /** One round on fresh topics: the four phases, in records per second. */
    private Map<String, Double> round(EmbeddedStack stack, Map<String, Object> client, String prefix, Input input,
                                      DetectorSettings settings, Path state) throws Exception {
        DetectorTopics topics = DetectorTopics.withPrefix(prefix, stack.registryUrl());
        String bootstrap = stack.bootstrapServers();
        DetectorApp.createTopics(bootstrap, client, DetectorTopicConfigs.defaults(), topics, settings);
        String topic = topics.measurements().name();
        int n = input.values.size();
        Map<String, Double> rates = new HashMap<>();

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config(bootstrap, client, ProducerConfig.configNames(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, "20",
                        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.partitionsFor(topic); // metadata fetched before the clock
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, input.keys.get(i), input.values.get(i)));
            }
            producer.flush();
            rates.put(PRODUCE, n / seconds(t0));
        }

        Deserializer<ProbeMeasurement> decoder = AvroSerde.specific(ProbeMeasurement.class, stack.registryUrl(), false).deserializer();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config(bootstrap, client, ConsumerConfig.configNames(),
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            partitions.forEach(consumer::position); // offsets looked up before the clock
            decoder.deserialize(topic, input.values.get(0)); // schema fetched before the clock
            long t0 = System.nanoTime();
            int read = 0;
            long checksum = 0;
            while (read < n) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    checksum += decoder.deserialize(topic, r.value()).getStartTime().toEpochMilli();
                    read++;
                }
            }
            rates.put(CONSUME, n / seconds(t0));
            if (checksum == 0) {
                throw new IllegalStateException("decoded nothing");
            }
        }

        Map<String, Object> streamsClient = new HashMap<>(client);
        Timed plain = timeStreams(bootstrap, client, prefix + "plain-count", topic, n,
                props -> new KafkaStreams(plainCount(topic, List.of(), stack.registryUrl(), settings.windowMillis()),
                        plainProps(props, bootstrap, streamsClient, prefix + "plain-count", state.resolve("plain"))));
        rates.put(PLAIN, plain.rate());
        plain.putCpu(rates, PLAIN);
        List<String> quiet = List.of(topics.heartbeats().name(), topics.ticks().name());
        Timed plainThreeInputs = timeStreams(bootstrap, client, prefix + "plain-count-3", topic, n,
                props -> new KafkaStreams(plainCount(topic, quiet, stack.registryUrl(), settings.windowMillis()),
                        plainProps(props, bootstrap, streamsClient, prefix + "plain-count-3", state.resolve("plain-3"))));
        rates.put(PLAIN_THREE_INPUTS, plainThreeInputs.rate());
        plainThreeInputs.putCpu(rates, PLAIN_THREE_INPUTS);

        try (DetectorApp app = DetectorApp.start(bootstrap, client, DetectorTopicConfigs.defaults(), topics, settings,
                prefix + "detector", state.resolve("detector"), new Properties(), Duration.ofSeconds(90))) {
            Timed detector = processingRate(bootstrap, client, prefix + "detector", topic);
            rates.put(DETECTOR, detector.rate());
            detector.putCpu(rates, DETECTOR);
            long counted = app.stats().getOrDefault("measurements", 0L) + app.stats().getOrDefault("duplicates", 0L)
                    + app.stats().getOrDefault("late", 0L) + app.stats().getOrDefault("dead-letter", 0L);
            if (counted != n) {
                throw new IllegalStateException("the detector accounted for " + counted + " of " + n + " measurements: " + app.stats());
            }
        }
        return rates;
    }

    private interface StreamsFactory {
        KafkaStreams create(Properties base);
    }

    /** Starts a Streams app, times it from RUNNING until its offsets are committed to the end of {@code topic}. */
    private static Timed timeStreams(String bootstrap, Map<String, Object> client, String applicationId, String topic, int n,
                                     StreamsFactory factory) throws Exception {
        KafkaStreams streams = factory.create(new Properties());
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        try {
            streams.start();
            if (!running.await(90, TimeUnit.SECONDS)) {
                throw new IllegalStateException(applicationId + " did not reach RUNNING (state " + streams.state() + ")");
            }
            return processingRate(bootstrap, client, applicationId, topic);
        } finally {
            streams.close(Duration.ofSeconds(30));
        }
    }

    /**
     * The reference: decode, then one count per (window, country, target) in a cached RocksDB store.
     * Records of the {@code others} topics, read by the same task, are passed over.
     */
    static Topology plainCount(String topic, List<String> others, String registryUrl, long window) {
        Topology topology = new Topology();
        topology.addSource("measurements", Serdes.ByteArray().deserializer(),
                AvroSerde.specific(ProbeMeasurement.class, registryUrl, false).deserializer(), topic);
        List<String> sources = new ArrayList<>(List.of("measurements"));
        if (!others.isEmpty()) {
            topology.addSource("others", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                    others.toArray(String[]::new));
            sources.add("others");
        }
        topology.addProcessor("count", () -> new Processor<byte[], Object, Void, Void>() {
            private KeyValueStore<String, Long> counts;

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                counts = context.getStateStore("counts");
            }

            @Override
            public void process(Record<byte[], Object> record) {
                if (!(record.value() instanceof ProbeMeasurement m)) {
                    return;
                }
                long start = Math.floorDiv(m.getStartTime().toEpochMilli(), window) * window;
                String key = start + "|" + m.getCountry() + "|" + m.getTarget();
                Long before = counts.get(key);
                counts.put(key, before == null ? 1 : before + 1);
            }
        }, sources.toArray(String[]::new));
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("counts"), Serdes.String(), Serdes.Long())
                .withCachingEnabled(), "count");
        return topology;
    }

    /** The settings the detector runs with that matter to speed: {@link DetectorApp#speedSettings}, exactly-once, append time. */
    private static Properties plainProps(Properties props, String bootstrap, Map<String, Object> client, String applicationId,
                                         Path state) {
        props.putAll(DetectorApp.speedSettings(client));
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "-1");
        props.putAll(client);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.topicPrefix("message.timestamp.type"), "LogAppendTime");
        // As the detector (see DetectorApp): otherwise Streams warns about a global thread it does not have, every round.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        props.put(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), "true");
        return props;
    }

    /**
     * Waits until {@code groupId} has committed offsets at the end of every partition of {@code topic} and
     * returns its processing rate: records committed after its first commit, over the time from that
     * commit to the last. Start-up (RUNNING comes before every task has opened its stores) and the
     * first commit interval are left out, for every app alike.
     */
    private static Timed processingRate(String bootstrap, Map<String, Object> client, String groupId, String topic)
            throws Exception {
        try (Admin admin = Admin.create(config(bootstrap, client, AdminClientConfig.configNames(), Map.of()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
                    .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
            long total = ends.values().stream().mapToLong(Long::longValue).sum();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            long firstAt = 0;
            long firstCount = 0;
            ThreadCpu firstCpu = null;
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                long done = ends.keySet().stream().mapToLong(tp -> committed.get(tp) == null ? 0
                        : Math.min(committed.get(tp).offset(), ends.get(tp))).sum();
                long now = System.nanoTime();
                if (done > 0 && firstAt == 0) {
                    firstAt = now;
                    firstCount = done;
                    firstCpu = ThreadCpu.of(groupId);
                }
                if (done >= total) {
                    if (done == firstCount) {
                        throw new IllegalStateException(groupId + " processed everything within its first commit interval: "
                                + "too few records to time (raise --records)");
                    }
                    long records = done - firstCount;
                    return new Timed(records / ((now - firstAt) / 1e9), ThreadCpu.of(groupId).minus(firstCpu).perRecord(records));
                }
                TimeUnit.MILLISECONDS.sleep(10);
            }
            throw new IllegalStateException(groupId + " did not commit to the end of " + topic + " within 30 minutes");
        }
    }

    private static double median(List<Double> values) {
        List<Double> r = new ArrayList<>(values);
        Collections.sort(r);
        return r.size() % 2 == 1 ? r.get(r.size() / 2) : (r.get(r.size() / 2 - 1) + r.get(r.size() / 2)) / 2;
    }

    /** A Streams app's processing rate (records/s) and the CPU time per record (microseconds) of this JVM's threads. */
    private record Timed(double rate, ThreadCpu cpuMicrosPerRecord) {
        void putCpu(Map<String, Double> rates, String phase) {
            rates.put(phase + CPU, cpuMicrosPerRecord.streamThreads());
            rates.put(phase + PRODUCER_IO, cpuMicrosPerRecord.producerIo());
            rates.put(phase + REST, cpuMicrosPerRecord.rest());
            rates.put(phase + PROCESS, cpuMicrosPerRecord.process());
            rates.put(phase + CORES, cpuMicrosPerRecord.process() * rate / 1e6);
        }
    }

    /**
     * CPU time of this JVM's threads (nanoseconds, or microseconds per record after {@link #perRecord}),
     * in three parts for one Streams application: its stream threads (named {@code <application id>-<uuid>-
     * StreamThread-N}: what a record costs the thread that processes it, whatever else the two cores are
     * doing, so steadier than a rate), its producers' network threads (they send what the stream threads
     * write), and every other thread: the embedded broker's, when it runs here, and the bench's own; and
     * the whole process's, which adds the garbage collector's and the JIT compiler's threads (-1 where the
     * JVM does not tell).
     */
    record ThreadCpu(double streamThreads, double producerIo, double rest, double process) {
        static ThreadCpu of(String applicationId) {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long stream = 0;
            long producer = 0;
            long other = 0;
            for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) { // names only, no stacks taken
                long cpu = t == null ? -1 : threads.getThreadCpuTime(t.getThreadId());
                if (cpu <= 0) {
                    continue;
                }
                String name = t.getThreadName();
                if (name.startsWith("kafka-producer-network-thread | " + applicationId + "-")) {
                    producer += cpu;
                } else if (name.startsWith(applicationId + "-") && name.matches(".*-StreamThread-\\d+")) {
                    stream += cpu;
                } else {
                    other += cpu;
                }
            }
            long process = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                    ? os.getProcessCpuTime() : -1;
            return new ThreadCpu(stream, producer, other, process);
        }

        ThreadCpu minus(ThreadCpu before) {
            // A thread that ended in between takes its time with it: "the rest" is then a lower bound.
            return new ThreadCpu(streamThreads - before.streamThreads, producerIo - before.producerIo,
                    Math.max(0, rest - before.rest), process < 0 ? -1 : process - before.process);
        }

        ThreadCpu perRecord(long records) {
            return new ThreadCpu(streamThreads / 1e3 / records, producerIo / 1e3 / records, rest / 1e3 / records,
                    process < 0 ? -1 : process / 1e3 / records);
        }
    }

    /** Ranges over the timed rounds, a bar chart of the medians, and the two ratios (of medians). */
    private static void summary(Map<String, List<Double>> rates, boolean embedded, PrintWriter out) {
        Map<String, Double> medians = new HashMap<>();
        double max = 0;
        for (String phase : PHASES) {
            double median = median(rates.get(phase));
            medians.put(phase, median);
            max = Math.max(max, median);
        }
        out.println();
        out.println("records/s over the timed runs (min - max, median; bar = median)");
        for (String phase : PHASES) {
            List<Double> r = rates.get(phase);
            double median = medians.get(phase);
            out.printf(Locale.ROOT, "%-26s %,9.0f - %,9.0f  median %,9.0f  %s%n", phase, Collections.min(r), Collections.max(r),
                    median, "#".repeat((int) Math.round(40 * median / max)));
        }
        out.printf(Locale.ROOT, "ratio to plain Kafka Streams: %.2f%n", medians.get(DETECTOR) / medians.get(PLAIN));
        out.printf(Locale.ROOT, "ratio to raw consume with Avro: %.2f%n", medians.get(DETECTOR) / medians.get(CONSUME));
        out.printf(Locale.ROOT, "ratio to the plain count over the detector's three inputs: %.2f%n",
                medians.get(DETECTOR) / medians.get(PLAIN_THREE_INPUTS));
        double plainCpu = median(rates.get(PLAIN + CPU));
        double detectorCpu = median(rates.get(DETECTOR + CPU));
        out.printf(Locale.ROOT, "stream-thread CPU per measurement (median): plain Kafka Streams %.2f us, full detector %.2f us; "
                + "plain / detector %.2f%n", plainCpu, detectorCpu, plainCpu / detectorCpu);
        out.printf(Locale.ROOT, "CPU per measurement, this JVM's threads (medians; %s):%n", embedded
                ? "the rest is chiefly the embedded broker" : "the broker runs elsewhere");
        for (String phase : List.of(PLAIN, PLAIN_THREE_INPUTS, DETECTOR)) {
            double stream = median(rates.get(phase + CPU));
            double producer = median(rates.get(phase + PRODUCER_IO));
            double rest = median(rates.get(phase + REST));
            out.printf(Locale.ROOT, "  %-26s stream threads %5.2f us + their producers' I/O %5.2f us + the rest %5.2f us = %5.2f us;"
                    + " whole process, GC and JIT included, %5.2f us (%.2f of the %d cores busy)%n", phase, stream, producer, rest,
                    stream + producer + rest, median(rates.get(phase + PROCESS)), median(rates.get(phase + CORES)),
                    Runtime.getRuntime().availableProcessors());
        }
        out.flush();
    }

    /**
     * Live mode: measurements stamped with the wall clock at about 500/s from ten probes, one-second
     * windows, no grace. Latency = from sending the first measurement past a window's end (the record
     * that lets the clock close it) to reading that window's AvailabilityWindow, committed, from the
     * output topic: one commit interval of exactly-once is part of it.
     */
    private void liveLatency(EmbeddedStack stack, String prefix, Path state, PrintWriter out) throws Exception {
        Properties props = new Properties();
        props.setProperty("detector.window.size", "PT1S");
        props.setProperty("detector.grace", "PT0S");
        DetectorSettings settings = DetectorSettings.from(props);
        DetectorTopics topics = DetectorTopics.withPrefix(prefix + "live.", stack.registryUrl());
        Map<String, Object> client = stack.cluster().kafka();
        Map<Long, Long> closedBySend = new ConcurrentHashMap<>();
        List<Long> latencies = new ArrayList<>();
        try (DetectorApp app = DetectorApp.start(stack.bootstrapServers(), client, DetectorTopicConfigs.defaults(), topics, settings,
                prefix + "reachwatch-bench-live", state, new Properties(), Duration.ofSeconds(90));
             KafkaProducer<byte[], ProbeMeasurement> producer = new KafkaProducer<>(config(stack.bootstrapServers(), client,
                     ProducerConfig.configNames(), Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, "0")),
                     new ByteArraySerializer(), AvroSerde.specific(ProbeMeasurement.class, stack.registryUrl(), false).serializer());
             KafkaConsumer<byte[], AvailabilityWindow> consumer = new KafkaConsumer<>(config(
                     stack.bootstrapServers(), client, ConsumerConfig.configNames(),
                     Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")), new ByteArrayDeserializer(),
                     topics.windows().valueSerde().deserializer())) {
            String windowsTopic = topics.windows().name();
            List<TopicPartition> windows = consumer.partitionsFor(windowsTopic).stream()
                    .map(p -> new TopicPartition(windowsTopic, p.partition())).toList();
            consumer.assign(windows);
            consumer.seekToEnd(windows);
            windows.forEach(consumer::position);
            byte[] key = TopicNames.partitionKey("ZZ").getBytes(StandardCharsets.UTF_8);
            long end = System.currentTimeMillis() + liveSeconds * 1000L;
            long lastWindowEnd = -1;
            int i = 0;
            while (System.currentTimeMillis() < end) {
                long now = System.currentTimeMillis();
                long windowEnd = now - now % 1000;
                ProbeMeasurement m = ProbeMeasurement.newBuilder()
                        .setMeasurementId("live-" + i).setProbeId("bench-" + (i % 10)).setCountry("ZZ").setAsn("AS0")
                        .setTarget("example.org").setStartTime(Instant.ofEpochMilli(now))
                        .setOutcome(MeasurementOutcome.REACHABLE).build();
                i++;
                producer.send(new ProducerRecord<>(topics.measurements().name(), key, m));
                if (windowEnd != lastWindowEnd) {
                    closedBySend.put(windowEnd, System.nanoTime());
                    lastWindowEnd = windowEnd;
                }
                collect(consumer.poll(Duration.ZERO), closedBySend, latencies);
                Thread.sleep(2);
            }
            long drainUntil = System.currentTimeMillis() + 3000;
            while (System.currentTimeMillis() < drainUntil) {
                collect(consumer.poll(Duration.ofMillis(100)), closedBySend, latencies);
            }
        }
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            out.println("live: no window was observed");
            return;
        }
        out.printf(Locale.ROOT, "live: %d windows closed in %d s; end-to-end latency (closing record sent -> window read, "
                        + "read_committed) p50 %d ms, p95 %d ms, p99 %d ms, max %d ms%n",
                sorted.size(), liveSeconds, pct(sorted, 50), pct(sorted, 95), pct(sorted, 99), sorted.get(sorted.size() - 1));
    }

    private static void collect(Iterable<ConsumerRecord<byte[], AvailabilityWindow>> polled, Map<Long, Long> closedBySend,
                                List<Long> latencies) {
        for (ConsumerRecord<byte[], AvailabilityWindow> r : polled) {
            Long sent = closedBySend.get(r.value().getWindowEnd().toEpochMilli());
            if (sent != null && r.value().getAsn() == null) {
                latencies.add((System.nanoTime() - sent) / 1_000_000);
            }
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static long pct(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    /** The client settings of this client type, then {@code fixed} and the bootstrap servers. */
    private static Map<String, Object> config(String bootstrap, Map<String, Object> client, Set<String> names,
                                              Map<String, Object> fixed) {
        Map<String, Object> config = KafkaClients.only(names, client);
        config.putAll(fixed);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return config;
    }
}
