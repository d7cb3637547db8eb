package org.reachwatch.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The registry's durable state: a compacted single-partition topic of JSON key/value records, in
 * the same shapes as Confluent's {@code _schemas} topic. Every record is the latest word on its key,
 * so compaction never loses state. One writer per topic is assumed (this server); several servers
 * on one topic would each assign ids without seeing the others' writes.
 */
final class KafkaSchemaLog implements AutoCloseable {
    static final String TOPIC = "_schemas";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /**
     * The longest a write waits for Kafka. Short because a client waits on it (ours gives up after
     * 10 s, Confluent's default store timeout is 0.5 s) and a write waiting for its turn behind
     * another adds up to as much again.
     */
    static final Duration MAX_WRITE_TIMEOUT = Duration.ofSeconds(4);

    private final String bootstrapServers;
    private final Map<String, Object> clientConfig;
    private final Duration timeout;
    private final Duration writeTimeout;
    private final KafkaProducer<String, String> producer;

    /**
     * {@code timeout} bounds topic creation and the start-up read; each write is bounded by the
     * smaller of it and {@link #MAX_WRITE_TIMEOUT}.
     */
    KafkaSchemaLog(String bootstrapServers, Duration timeout) {
        this(bootstrapServers, Map.of(), timeout);
    }

    /** {@code clientConfig}: Kafka client settings (security, ...) for every client of the log; never modified. */
    KafkaSchemaLog(String bootstrapServers, Map<String, ?> clientConfig, Duration timeout) {
        this.bootstrapServers = bootstrapServers;
        this.clientConfig = Map.copyOf(clientConfig);
        this.timeout = timeout;
        this.writeTimeout = timeout.compareTo(MAX_WRITE_TIMEOUT) < 0 ? timeout : MAX_WRITE_TIMEOUT;
        ensureTopic();
        Properties props = clientProperties(ProducerConfig.configNames());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // Ordered and exactly once per send: a retried write must not land after a later one.
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // Registry writes are rare and the caller waits on each: batching only adds latency.
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        // A caller waits on each write: give up within the write timeout rather than Kafka's 2-minute default.
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) writeTimeout.toMillis());
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) writeTimeout.toMillis() / 2);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, writeTimeout.toMillis());
        producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private void ensureTopic() {
        Properties adminProps = clientProperties(AdminClientConfig.configNames());
        adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis() / 2);
        try (Admin admin = Admin.create(adminProps)) {
            NewTopic topic = new NewTopic(TOPIC, Optional.of(1), Optional.empty())
                    .configs(Map.of("cleanup.policy", "compact", "retention.ms", "-1"));
            admin.createTopics(List.of(topic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create schema topic " + TOPIC + " on " + bootstrapServers
                        + ": " + e.getCause(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating schema topic " + TOPIC, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer within " + timeout
                    + " while creating schema topic " + TOPIC, e);
        }
    }

    Duration timeout() {
        return timeout;
    }

    Duration writeTimeout() {
        return writeTimeout;
    }

    /** Every record of the topic, oldest first, up to the end offset seen when the call starts, within {@code timeout}. */
    List<ConsumerRecord<String, String>> readAll(Duration timeout) {
        Properties props = clientProperties(ConsumerConfig.configNames());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            Long endOffset = consumer.endOffsets(List.of(partition), timeout).get(partition);
            if (endOffset == null) {
                // A timeout too short for an answer gives an empty map rather than an exception.
                throw new org.apache.kafka.common.errors.TimeoutException("could not read the end of schema topic " + TOPIC
                        + " within " + timeout);
            }
            long end = endOffset;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(partition, timeout) < end) {
                if (System.nanoTime() > deadline) {
                    throw new org.apache.kafka.common.errors.TimeoutException("could not read schema topic " + TOPIC
                            + " to offset " + end + " within " + timeout);
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    all.add(record);
                }
            }
        }
        return all;
    }

    /**
     * Appends a record and waits until Kafka has acknowledged it, at most {@code wait} (and never
     * longer than the write timeout); {@code value} null is a tombstone. A write that timed out may
     * still land: the caller must assume either.
     */
    void append(String key, String value, Duration wait) {
        long waitMillis = Math.min(wait.toMillis(), writeTimeout.toMillis());
        try {
            producer.send(new ProducerRecord<>(TOPIC, 0, key, value)).get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw timedOut(e);
            }
            throw new RegistryError(500, RegistryError.STORE_ERROR, "Error while writing to the schema topic: " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw timedOut(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryError(500, RegistryError.STORE_ERROR, "Interrupted while writing to the schema topic", e);
        }
    }

    private RegistryError timedOut(Exception cause) {
        return new RegistryError(500, RegistryError.OPERATION_TIMEOUT, "Write operation timed out: Kafka did not acknowledge the write "
                + "to the schema topic within " + writeTimeout.toMillis() + " ms; reads are unaffected, retry the write later", cause);
    }

    /** The configured client settings that {@code names} (one client type's settings) includes, and the bootstrap servers. */
    private Properties clientProperties(java.util.Set<String> names) {
        Properties props = new Properties();
        clientConfig.forEach((k, v) -> {
            if (names.contains(k)) {
                props.put(k, v);
            }
        });
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
