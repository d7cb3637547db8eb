package org.reachwatch.detector;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * How many records of an input partition the calling stream thread has not fetched yet: what lets a
 * task tell that a tick from another partition was read ahead of its own backlog (see
 * {@code DetectorProcessor} and DESIGN.md, "Time").
 */
@FunctionalInterface
interface InputLag {
    /** Nothing is ever behind: the topology test driver, which hands records over one at a time. */
    InputLag NONE = partition -> OptionalLong.of(0);

    /** Records of {@code partition} on the broker that the calling thread's consumer has not fetched; empty when not known yet. */
    OptionalLong of(TopicPartition partition);

    /**
     * The Kafka clients of a {@code KafkaStreams} instance, as Kafka Streams makes them by default,
     * remembering each stream thread's main consumer so that the thread can ask it its lag
     * ({@link Consumer#currentLag}, what Kafka Streams itself asks when it decides a task may process).
     */
    final class FromMainConsumers implements KafkaClientSupplier, InputLag {
        /** Kafka Streams names a thread's main consumer after the thread. */
        private static final String MAIN_CONSUMER_SUFFIX = "-consumer";
        /** Weakly: a thread Kafka Streams replaced takes its consumer with it. */
        private final Map<String, WeakReference<Consumer<byte[], byte[]>>> byClientId = new ConcurrentHashMap<>();

        @Override
        public OptionalLong of(TopicPartition partition) {
            WeakReference<Consumer<byte[], byte[]>> ref = byClientId.get(Thread.currentThread().getName() + MAIN_CONSUMER_SUFFIX);
            Consumer<byte[], byte[]> consumer = ref == null ? null : ref.get();
            if (consumer == null) {
                // Only a Kafka Streams upgrade that names its clients differently gets here; the detector
                // would then hold every tick, so it stops at once instead.
                throw new IllegalStateException("no Kafka Streams main consumer for thread " + Thread.currentThread().getName()
                        + " (known: " + byClientId.keySet() + ")");
            }
            return consumer.currentLag(partition);
        }

        @Override
        public Admin getAdmin(Map<String, Object> config) {
            return Admin.create(config);
        }

        @Override
        public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
            return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
            Consumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            Object clientId = config.get(ConsumerConfig.CLIENT_ID_CONFIG);
            if (clientId != null) {
                byClientId.values().removeIf(ref -> ref.get() == null);
                byClientId.put(clientId.toString(), new WeakReference<>(consumer));
            }
            return consumer;
        }

        @Override
        public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
            return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        @Override
        public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
            return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
    }
}
