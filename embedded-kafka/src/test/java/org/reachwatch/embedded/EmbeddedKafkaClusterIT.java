package org.reachwatch.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Three in-process KRaft nodes: acks=all writes go on when the partition's leader stops, and nothing is lost. */
class EmbeddedKafkaClusterIT {
    @Test
    void writesSurviveTheLossOfTheLeader() throws Exception {
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(3, Map.of())) {
            cluster.createTopics(List.of("replicated"), 1, Map.of());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>("replicated", "v" + i)).get(30, TimeUnit.SECONDS);
                }
                int leader = cluster.leaderOf("replicated", 0);
                cluster.stop(leader);
                for (int i = 100; i < 200; i++) {
                    producer.send(new ProducerRecord<>("replicated", "v" + i)).get(60, TimeUnit.SECONDS);
                }
                assertThat(cluster.leaderOf("replicated", 0)).isNotEqualTo(leader);
            }
            Set<String> read = new HashSet<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()), new StringDeserializer(), new StringDeserializer())) {
                TopicPartition p = new TopicPartition("replicated", 0);
                consumer.assign(List.of(p));
                consumer.seekToBeginning(List.of(p));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (read.size() < 200 && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
                }
            }
            assertThat(read).hasSize(200);
        }
    }
}
