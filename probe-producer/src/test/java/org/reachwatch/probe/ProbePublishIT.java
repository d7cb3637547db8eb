package org.reachwatch.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.producer.DiskSpool;
import org.reachwatch.producer.HeartbeatPublisher;
import org.reachwatch.producer.MeasurementPublisher;
import org.reachwatch.producer.RegistryHandle;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.serde.AvroSerde;

/** A probe round against emulated censorship reaches a real broker: measurements keyed by region and target, then a heartbeat. */
class ProbePublishIT {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");

    @TempDir
    Path dir;

    @Test
    void probeRoundIsPublishedWithAvroAndFollowedByAHeartbeat() throws Exception {
        try (CensorLab lab = new CensorLab();
             EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(List.of(TopicNames.MEASUREMENTS, TopicNames.HEARTBEATS), 2, Map.of("retention.ms", "-1"));
            int dns = lab.dns(Map.of("ok.test", "127.0.0.1"), Set.of());
            byte[] page = "<html>blocked by PTA</html>".getBytes(StandardCharsets.UTF_8);
            int http = lab.http(page, 4096, 0);
            ProbeSettings settings = ProbeSettings.builder().identity("it-probe", "PK", "AS17557", null)
                    .resolver("127.0.0.1:" + dns).bogonMeansBlocked(false)
                    .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2))
                    .targets(List.of(Target.parse("gone.test"), Target.parse("http://ok.test:" + http + "/"))).build();
            try (RegistryHandle registry = RegistryHandle.start(broker.bootstrapServers())) {
                DiskSpool spool = new DiskSpool(dir, 1 << 20, Duration.ZERO);
                try (MeasurementPublisher publisher = MeasurementPublisher.create(broker.bootstrapServers(), registry.url(), spool);
                     HeartbeatPublisher heartbeats = HeartbeatPublisher.create(broker.bootstrapServers(), registry.url());
                     ProbeRunner runner = new ProbeRunner(settings, Clock.fixed(T0, ZoneOffset.UTC), publisher::publish, heartbeats)) {
                    runner.runRound();
                    assertThat(publisher.awaitDelivered(Duration.ofSeconds(60))).isTrue();
                }
                List<ConsumerRecord<String, ProbeMeasurement>> ms = consume(broker, TopicNames.MEASUREMENTS,
                        AvroSerde.specific(ProbeMeasurement.class, registry.url(), false).deserializer(), 2);
                List<ConsumerRecord<String, ProbeHeartbeat>> hbs = consume(broker, TopicNames.HEARTBEATS,
                        AvroSerde.specific(ProbeHeartbeat.class, registry.url(), false).deserializer(), 1);
                assertThat(ms).extracting(ConsumerRecord::key).as("keyed by country").containsExactly("PK", "PK");
                assertThat(ms).extracting(r -> r.value().getBlockingMethod())
                        .containsExactlyInAnyOrder(BlockingMethod.DNS, BlockingMethod.HTTP_BLOCKPAGE);
                assertThat(ms).allSatisfy(r -> assertThat(r.timestamp()).isEqualTo(T0.toEpochMilli()));
                assertThat(hbs).singleElement().satisfies(r -> {
                    assertThat(r.key()).isEqualTo("PK");
                    assertThat(r.value().getMeasurementsSinceLast()).isEqualTo(2);
                });
            }
        }
    }

    private static <V> List<ConsumerRecord<String, V>> consume(EmbeddedKafkaBroker broker, String topic,
                                                               Deserializer<V> values, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "probe-it-" + topic);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, V>> out = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(p, new StringDeserializer(), values)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }
}
