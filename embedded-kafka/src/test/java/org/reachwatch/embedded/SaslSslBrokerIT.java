package org.reachwatch.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded broker with a SASL_SSL listener: SCRAM-SHA-512 logins over TLS with a CA generated here. */
class SaslSslBrokerIT {
    @TempDir
    static Path dir;
    static TlsMaterial tls;
    static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void start() {
        tls = TlsMaterial.generate(dir.resolve("tls"));
        broker = EmbeddedKafkaBroker.builder().saslSsl(tls, Map.of("alice", "alice-secret")).start();
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void userWithTheRightPasswordProducesAndConsumesOverTls() throws Exception {
        Map<String, String> alice = EmbeddedKafkaBroker.saslSslClientConfig(broker.bootstrapServers(), tls, "alice", "alice-secret");
        broker.createTopics(List.of("secured"), 1, Map.of());
        Map<String, Object> producerConfig = new HashMap<>(alice);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>("secured", "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        Map<String, Object> consumerConfig = new HashMap<>(alice);
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "secured-reader");
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("secured"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < 5 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
        }
        assertThat(values).containsExactly("v0", "v1", "v2", "v3", "v4");
    }

    @Test
    void wrongPasswordIsRefusedAsAnAuthenticationFailure() {
        Map<String, Object> config = new HashMap<>(
                EmbeddedKafkaBroker.saslSslClientConfig(broker.bootstrapServers(), tls, "alice", "not-her-password"));
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        long started = System.nanoTime();
        try (Admin admin = Admin.create(config)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(SaslAuthenticationException.class);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void plaintextClientGetsNoAnswer() {
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        try (Admin admin = Admin.create(config)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(10, TimeUnit.SECONDS)).isNotNull();
        }
    }

    @Test
    void aSecuredBrokerRefusesAKeptDataDirectory() {
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().dataDir(dir.resolve("kept")).saslSsl(tls, Map.of()).start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dataDir");
    }
}
