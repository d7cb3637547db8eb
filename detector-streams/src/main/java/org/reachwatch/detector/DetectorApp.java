package org.reachwatch.detector;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.detector.lifecycle.TrackerState;
import org.reachwatch.schemas.kafka.KafkaClients;
import org.reachwatch.schemas.kafka.KafkaTopics;
import org.reachwatch.schemas.serde.AvroSerde;
import org.reachwatch.schemas.registry.SchemaRegistryUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the detector topology on a real cluster: creates its topics, starts Kafka Streams with
 * exactly-once processing, and offers what drivers need (replay: {@link #endOfInputMarker} and
 * {@link #awaitCaughtUp}; analysts: {@link #trackers()} and {@link #stats()} through interactive
 * queries). A stream thread that dies is reported by {@link #failure()} and shuts the app down
 * rather than running on without it.
 */
public final class DetectorApp implements AutoCloseable {
    /** Probe id of the heartbeat a replay sends after its last record. */
    public static final String END_OF_INPUT_PROBE = "reachwatch-end-of-input";
    /** Default commit interval: how often results become visible to read_committed readers. */
    public static final long COMMIT_INTERVAL_MS = 1000;
    /**
     * How long the broker may hold a fetch of the main consumer that finds nothing new (the client's
     * default is 500 ms). A task reads three partitions, two of them mostly empty (heartbeats, ticks).
     * While the consumer still holds fetched measurements, its next fetch asks for those two alone, and
     * the broker holds it; the consumer sends no other fetch to that broker meanwhile, so once the task
     * has worked through what it had, it waits out the rest of the hold. A plain Kafka Streams count
     * reading the same three topics ran at 123-155k records/s with the default and 195-207k with 20 ms
     * (./reachwatch bench, 500,000 measurements, medians of three runs); an idle detector then
     * sends a fetch every 50 ms instead of every 500. A client {@code fetch.max.wait.ms} replaces it.
     */
    public static final long FETCH_MAX_WAIT_MS = 50;
    private static final Logger log = LoggerFactory.getLogger(DetectorApp.class);

    private final KafkaStreams streams;
    private final DetectorTopics topics;
    private final String bootstrapServers;
    private final Map<String, Object> clientConfig;
    private final String applicationId;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong registryOutages = new AtomicLong();
    private final AtomicReference<String> lastRegistryOutage = new AtomicReference<>();

    private DetectorApp(KafkaStreams streams, DetectorTopics topics, String bootstrapServers, Map<String, Object> clientConfig,
                        String applicationId) {
        this.streams = streams;
        this.topics = topics;
        this.bootstrapServers = bootstrapServers;
        this.clientConfig = clientConfig;
        this.applicationId = applicationId;
    }

    /**
     * Creates the topics if missing (default settings), starts the detector and waits until it is RUNNING.
     *
     * @param streamsOverrides extra Kafka Streams settings (never modified)
     */
    public static DetectorApp start(String bootstrapServers, DetectorTopics topics, DetectorSettings settings,
                                    String applicationId, Path stateDir, Properties streamsOverrides, Duration timeout) {
        return start(bootstrapServers, Map.of(), DetectorTopicConfigs.defaults(), topics, settings, applicationId, stateDir,
                streamsOverrides, timeout);
    }

    /**
     * As {@link #start(String, DetectorTopics, DetectorSettings, String, Path, Properties, Duration)}, every
     * Kafka client (admin, Streams and its producers and consumers) taking {@code clientConfig}: standard
     * Kafka client settings such as {@code security.protocol}, {@code sasl.*}, {@code ssl.*}, or tuning like
     * {@code num.stream.threads} and {@code replication.factor}. They replace the detector's defaults
     * (linger, compression) but not what it depends on (application id, state directory, exactly-once,
     * explicit naming, append-time topics): the caller keeps those out (the launcher refuses them).
     * Topics are created with {@code topicConfigs}.
     */
    public static DetectorApp start(String bootstrapServers, Map<String, ?> clientConfig, DetectorTopicConfigs topicConfigs,
                                    DetectorTopics topics, DetectorSettings settings, String applicationId, Path stateDir,
                                    Properties streamsOverrides, Duration timeout) {
        Map<String, Object> client = Map.copyOf(clientConfig);
        createTopics(bootstrapServers, client, topicConfigs, topics, settings);
        Properties props = speedSettings(client);
        // Internal changelogs take the broker's default.replication.factor (1 on a single broker, 3 on a cluster).
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "-1");
        // With a second instance, each task's stores are kept warm there: a failover restores nothing.
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "1");
        // max.task.idle.ms stays at its default (0): a task interleaves its measurements and the ticks by
        // append time. Not waiting (-1) doubled the bench's detector rate, but a task taking over a
        // partition then read the ticks other partitions sent while it was down before its own backlog,
        // and closed that backlog's windows empty (ScaleOutIT: a false outage).
        props.putAll(client);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // Every stateful piece is named in the topology; refuse to start if one ever is not.
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        // Append time on the application's own topics too (changelogs): why, in DESIGN.md, "Time".
        props.put(StreamsConfig.topicPrefix(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG), "LogAppendTime");
        // The topology has no global store, so this changes nothing but take Kafka 5.0's default now:
        // without it Streams warns at every start that the global thread ignores the exception handler.
        // The partition assignor rebuilds its StreamsConfig from the main consumer's settings, hence twice.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        props.put(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), "true");
        props.putAll(streamsOverrides);
        KafkaStreams streams = new KafkaStreams(DetectorTopology.build(topics, settings), props);
        DetectorApp app = new DetectorApp(streams, topics, bootstrapServers, client, applicationId);
        CountDownLatch running = new CountDownLatch(1);
        AtomicBoolean reachedRunning = new AtomicBoolean();
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                reachedRunning.set(true);
            }
            if (now == KafkaStreams.State.RUNNING || now == KafkaStreams.State.ERROR
                    || now == KafkaStreams.State.PENDING_SHUTDOWN || now == KafkaStreams.State.NOT_RUNNING) {
                running.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            SchemaRegistryUnavailableException outage = registryOutage(e);
            if (outage != null) {
                // Not bad data: no record is dead-lettered and no offset moves past it. Under exactly-once the
                // open transaction is aborted; the new thread resumes from the last commit, and the registry
                // client's own backoff paces the retries.
                app.registryOutages.incrementAndGet();
                app.lastRegistryOutage.set(outage.getMessage());
                running.countDown(); // up and holding: a caller waiting for the start may go on
                log.warn("schema registry unavailable, holding and retrying: {}", outage.getMessage());
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            app.failure.compareAndSet(null, e);
            log.error("detector stream thread failed: {}", e.toString());
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.start();
        try {
            boolean started = running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            boolean holding = app.registryOutages.get() > 0 && app.failure.get() == null && streams.state().isRunningOrRebalancing();
            // Another instance of the application joining right after this one started rebalances it again:
            // that is the group at work, not a failed start.
            boolean rebalancedAfterStart = reachedRunning.get() && app.failure.get() == null
                    && streams.state() == KafkaStreams.State.REBALANCING;
            if (!started || streams.state() != KafkaStreams.State.RUNNING && !holding && !rebalancedAfterStart) {
                streams.close(Duration.ofSeconds(10));
                throw new IllegalStateException("detector did not reach RUNNING within " + timeout + " (state " + streams.state() + ")",
                        app.failure.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            streams.close(Duration.ofSeconds(10));
            throw new IllegalStateException("interrupted while starting the detector", e);
        }
        return app;
    }

    /**
     * The settings the detector runs with that matter to its speed, before the client's (which replace
     * them): linger, compression, batch size, commit interval, the main consumer's fetch wait.
     * {@code ./reachwatch bench} gives its plain Kafka Streams references the same.
     */
    public static Properties speedSettings(Map<String, ?> client) {
        Properties props = new Properties();
        // Batches of 20 ms. No compression: the detector writes small batches to some forty partitions
        // (outputs, ticks, changelogs), and lz4 set up a 64 KiB block per batch: 16 % of the stream thread
        // (JFR, bench). Batches of up to 256 KiB, not the 16 KiB default: a backlog read at ~100k
        // measurements a second fills 16 KiB of window records every few milliseconds, and the broker and
        // the producer's network thread pay per batch (with batched verdicts, ./reachwatch bench measured
        // 0.54-0.79 us per measurement on the network thread instead of 1.05-1.23, and 1.69-2.43 us on the
        // rest of the JVM, chiefly the broker, instead of 2.38-3.43). Client settings may replace all three.
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        // One exactly-once commit writes a marker to every partition the transaction touched (changelogs,
        // outputs, ticks: about forty here); at the 100 ms default that is most of the work. A second
        // adds at most a second to the latency of a result, against windows of minutes.
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, String.valueOf(COMMIT_INTERVAL_MS));
        if (!client.containsKey(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)) {
            props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), String.valueOf(FETCH_MAX_WAIT_MS));
        }
        return props;
    }

    /** Creates the detector's topics with default settings on a plaintext cluster. */
    public static void createTopics(String bootstrapServers, DetectorTopics topics) {
        createTopics(bootstrapServers, Map.of(), DetectorTopicConfigs.defaults(), topics, DetectorSettings.defaultSettings());
    }

    /**
     * Creates the detector's topics that are missing, each with its role's settings from
     * {@code topicConfigs} (retention, compaction, append time): {@code detector.partitions} partitions
     * for the inputs (measurements, heartbeats, ticks: co-partitioned, keyed by country),
     * {@code detector.outage.partitions} for the second stage's verdicts, one for the others. Existing
     * topics keep their settings, but one of those with another partition count is refused: records
     * keyed for one count would be judged by the wrong task.
     */
    public static void createTopics(String bootstrapServers, Map<String, ?> clientConfig, DetectorTopicConfigs topicConfigs,
                                    DetectorTopics topics, DetectorSettings settings) {
        Map<DetectorTopicConfigs.Role, String> names = new LinkedHashMap<>();
        names.put(DetectorTopicConfigs.Role.MEASUREMENTS, topics.measurements().name());
        names.put(DetectorTopicConfigs.Role.HEARTBEATS, topics.heartbeats().name());
        names.put(DetectorTopicConfigs.Role.TICKS, topics.ticks().name());
        names.put(DetectorTopicConfigs.Role.LATE, topics.late().name());
        names.put(DetectorTopicConfigs.Role.DEAD_LETTER, topics.deadLetter().name());
        names.put(DetectorTopicConfigs.Role.WINDOWS, topics.windows().name());
        names.put(DetectorTopicConfigs.Role.EVENTS, topics.events().name());
        names.put(DetectorTopicConfigs.Role.INCIDENTS, topics.incidents().name());
        names.put(DetectorTopicConfigs.Role.VERDICTS, topics.verdicts().name());
        names.put(DetectorTopicConfigs.Role.SERVICE_OUTAGES, topics.serviceOutages().name());
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put(topics.measurements().name(), settings.partitions());
        counts.put(topics.heartbeats().name(), settings.partitions());
        counts.put(topics.ticks().name(), settings.partitions());
        counts.put(topics.verdicts().name(), settings.outagePartitions());
        List<NewTopic> wanted = new ArrayList<>();
        names.forEach((role, name) -> wanted.add(new NewTopic(name, counts.getOrDefault(name, topicConfigs.partitions(role)),
                (short) -1).configs(topicConfigs.configs(role))));
        try (Admin admin = Admin.create(adminConfig(bootstrapServers, clientConfig))) {
            Set<String> existing = KafkaTopics.createMissing(admin, wanted, Duration.ofSeconds(30));
            awaitVisible(admin, counts.keySet(), Duration.ofSeconds(30));
            // Topics just created have the right count; one that was there already may not.
            for (Map.Entry<String, Integer> input : counts.entrySet()) {
                if (!existing.contains(input.getKey())) {
                    continue;
                }
                int actual = admin.describeTopics(List.of(input.getKey())).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get(input.getKey()).partitions().size();
                if (actual != input.getValue()) {
                    String setting = input.getKey().equals(topics.verdicts().name()) ? "detector.outage.partitions"
                            : "detector.partitions";
                    throw new IllegalStateException("topic " + input.getKey() + " has " + actual + " partitions, the detector is "
                            + "set to " + input.getValue() + " (" + setting + "): records are keyed for that count; set "
                            + setting + "=" + actual + " or recreate the topic");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating the detector's topics on " + bootstrapServers, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe the detector's topics: " + e.getCause().getMessage(), e);
        }
    }

    /**
     * Waits until a broker describes every topic of {@code names}: a topic just created can be missing
     * from a broker's metadata for a moment, and Kafka Streams fails the whole application when a source
     * topic is missing at its first rebalance (seen once in a replay on a shared cluster).
     */
    private static void awaitVisible(Admin admin, Collection<String> names, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    /** Admin settings: the client settings that apply to an admin client, and the bootstrap servers. */
    private static Map<String, Object> adminConfig(String bootstrapServers, Map<String, ?> clientConfig) {
        Map<String, Object> config = KafkaClients.only(AdminClientConfig.configNames(), clientConfig);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return config;
    }

    /**
     * The heartbeat a replay publishes after its last measurement: its time is past the last
     * window's end plus grace, so every window with data closes. It belongs to no region, so it
     * ends no incident (those end only by the linking horizon of event time).
     */
    public static ProbeHeartbeat endOfInputMarker(Instant lastEventTime, DetectorSettings settings) {
        long w = settings.windowMillis();
        long lastWindowEnd = Math.floorDiv(lastEventTime.toEpochMilli(), w) * w + w;
        return ProbeHeartbeat.newBuilder().setProbeId(END_OF_INPUT_PROBE).setCountry("ZZ")
                .setSentAt(Instant.ofEpochMilli(lastWindowEnd + settings.grace().toMillis()))
                .setSource(MeasurementSource.UNKNOWN).setSoftwareName("reachwatch").build();
    }

    /**
     * Tells every partition of the detector that the input has ended at {@code lastEventTime}: the end-of-
     * input marker on each partition of the ticks topic, flushed. Replays call this after their last record.
     */
    public static void sendEndOfInput(Producer<String, ProbeHeartbeat> producer, DetectorTopics topics, Instant lastEventTime,
                                      DetectorSettings settings) {
        ProbeHeartbeat marker = endOfInputMarker(lastEventTime, settings);
        for (int partition = 0; partition < settings.partitions(); partition++) {
            producer.send(new ProducerRecord<>(topics.ticks().name(), partition, null, marker));
        }
        producer.flush();
    }

    /**
     * Tells this detector's every partition that the input has ended at {@code lastEventTime}, once it
     * has processed everything published so far (the marker travels on the ticks topic; processed ahead
     * of measurements not yet fetched, it would make them late).
     */
    public void sendEndOfInput(Instant lastEventTime, DetectorSettings settings) {
        awaitCaughtUp(Duration.ofMinutes(60));
        Map<String, Object> config = KafkaClients.only(ProducerConfig.configNames(), clientConfig);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, ProbeHeartbeat> producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerde.specific(ProbeHeartbeat.class, topics.registryUrl(), false).serializer())) {
            sendEndOfInput(producer, topics, lastEventTime, settings);
        }
    }

    /**
     * Waits until the detector has committed everything published to its input topics so far (the second
     * stage's input included: call it twice to see the verdicts of the last windows judged too).
     */
    public void awaitCaughtUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(adminConfig(bootstrapServers, clientConfig))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String topic : List.of(topics.measurements().name(), topics.heartbeats().name(), topics.ticks().name(),
                    topics.verdicts().name())) {
                admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
                        .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            while (true) {
                if (failure.get() != null) {
                    throw new IllegalStateException("detector failed: " + failure.get().getMessage(), failure.get());
                }
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                boolean caughtUp = ends.entrySet().stream().allMatch(e -> {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    // Under exactly-once the committed offset may sit one past a transaction marker.
                    return e.getValue().offset() == 0 || c != null && c.offset() >= e.getValue().offset();
                });
                if (caughtUp) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("detector did not catch up within " + timeout);
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the detector", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the detector's progress: " + e.getMessage(), e);
        }
    }

    /** Current tracker state per (country|asn|target) and region ("R|country"): the status of every incident. */
    public Map<String, TrackerState> trackers() {
        return readAll(DetectorTopology.TRACKERS_STORE);
    }

    /** Counters summed over this instance's tasks: measurements, duplicates, late, dead-letter, heartbeats, events (see DetectorCounters). */
    public Map<String, Long> stats() {
        // One store per task: the same counter name appears once per partition and is summed.
        ReadOnlyKeyValueStore<String, Long> view = streams.store(
                StoreQueryParameters.fromNameAndType(DetectorTopology.STATS_STORE, QueryableStoreTypes.<String, Long>keyValueStore()));
        Map<String, Long> out = new java.util.TreeMap<>();
        try (KeyValueIterator<String, Long> it = view.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                out.merge(kv.key, kv.value, Long::sum);
            }
        }
        return out;
    }

    private <V> Map<String, V> readAll(String store) {
        ReadOnlyKeyValueStore<String, V> view = streams.store(
                StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.<String, V>keyValueStore()));
        Map<String, V> out = new java.util.TreeMap<>();
        try (KeyValueIterator<String, V> it = view.all()) {
            while (it.hasNext()) {
                KeyValue<String, V> kv = it.next();
                out.put(kv.key, kv.value);
            }
        }
        return out;
    }

    public DetectorTopics topics() {
        return topics;
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** The registry outage among an exception's causes, or null. */
    static SchemaRegistryUnavailableException registryOutage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryUnavailableException outage) {
                return outage;
            }
        }
        return null;
    }

    /** How many times processing was held because the schema registry did not answer. */
    public long registryOutages() {
        return registryOutages.get();
    }

    /** The last registry outage's message, or null: for health reports. */
    public String lastRegistryOutage() {
        return lastRegistryOutage.get();
    }

    /** The error that stopped a stream thread, or null. */
    public Throwable failure() {
        return failure.get();
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }
}
