package org.reachwatch.detector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.reachwatch.schemas.kafka.KafkaClients;

/**
 * Reads a topic from the beginning to its current end (committed records only, so an exactly-once
 * producer's aborted writes are never seen), without a consumer group. For drivers that need
 * "everything the detector has written so far": replay, eval, tests.
 */
public final class TopicDrain {
    private TopicDrain() {
    }

    public static <V> List<V> readAll(String bootstrapServers, String topic, Deserializer<V> values, Duration timeout) {
        return readAll(bootstrapServers, Map.of(), topic, values, timeout);
    }

    /** As {@link #readAll(String, String, Deserializer, Duration)} with Kafka client settings (security, ...). */
    public static <V> List<V> readAll(String bootstrapServers, Map<String, ?> clientConfig, String topic, Deserializer<V> values,
                                      Duration timeout) {
        List<V> out = new ArrayList<>();
        forEach(bootstrapServers, clientConfig, topic, values, timeout, out::add);
        return out;
    }

    /** Hands each value, in offset order per partition, to {@code sink}; returns the number read. */
    public static <V> long forEach(String bootstrapServers, String topic, Deserializer<V> values, Duration timeout,
                                   Consumer<V> sink) {
        return forEach(bootstrapServers, Map.of(), topic, values, timeout, sink);
    }

    /**
     * As {@link #forEach(String, String, Deserializer, Duration, Consumer)} with Kafka client settings;
     * those that are not consumer settings are left out.
     */
    public static <V> long forEach(String bootstrapServers, Map<String, ?> clientConfig, String topic, Deserializer<V> values,
                                   Duration timeout, Consumer<V> sink) {
        Map<String, Object> config = KafkaClients.only(ConsumerConfig.configNames(), clientConfig);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        long count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out reading " + topic + " to its end");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    V value = values.deserialize(topic, r.value());
                    if (value != null) {
                        sink.accept(value);
                        count++;
                    }
                }
            }
        }
        return count;
    }
}
