package org.reachwatch.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.producer.DiskSpool;
import org.reachwatch.producer.HeartbeatPublisher;
import org.reachwatch.producer.MeasurementPublisher;
import org.reachwatch.producer.RegistryHandle;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * A probe's rounds do not wait for Kafka: with the broker stopped, each round (measurements into
 * the spool, then a heartbeat) takes as long as measuring does, and every measurement of every
 * round reaches the topic once the broker is back.
 */
class ProbeCadenceIT {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");
    static final int ROUNDS_UP = 2;
    static final int ROUNDS_DOWN = 6;
    static final int ROUNDS_BACK = 2;

    @TempDir
    Path dir;

    @Test
    void roundsKeepTheirPaceWhileTheBrokerIsAwayAndNothingIsLost() throws Exception {
        try (CensorLab lab = new CensorLab();
             EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(List.of(TopicNames.MEASUREMENTS, TopicNames.HEARTBEATS), 1, Map.of("retention.ms", "-1"));
            int dns = lab.dns(Map.of("ok.test", "127.0.0.1"), Set.of());
            int http = lab.http("<html>fine</html>".getBytes(StandardCharsets.UTF_8), 4096, 0);
            ProbeSettings settings = ProbeSettings.builder().identity("cadence-probe", "PK", "AS17557", null)
                    .resolver("127.0.0.1:" + dns).bogonMeansBlocked(false)
                    .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2))
                    .targets(List.of(Target.parse("http://ok.test:" + http + "/"), Target.parse("gone.test"))).build();
            List<Long> downMillis = new ArrayList<>();
            Set<String> measured = new HashSet<>();
            try (RegistryHandle registry = RegistryHandle.start(broker.bootstrapServers())) {
                DiskSpool spool = new DiskSpool(dir, 16 << 20, Duration.ofSeconds(1));
                try (MeasurementPublisher publisher = MeasurementPublisher.create(broker.bootstrapServers(), registry.url(), spool);
                     HeartbeatPublisher heartbeats = HeartbeatPublisher.create(broker.bootstrapServers(), registry.url());
                     ProbeRunner runner = new ProbeRunner(settings, Clock.fixed(T0, ZoneOffset.UTC), publisher::publish, heartbeats)) {
                    for (int i = 0; i < ROUNDS_UP; i++) {
                        runner.runRound().forEach(m -> measured.add(m.getMeasurementId()));
                    }
                    assertThat(publisher.awaitDelivered(Duration.ofSeconds(60))).isTrue();

                    broker.stop();
                    for (int i = 0; i < ROUNDS_DOWN; i++) {
                        long t = System.nanoTime();
                        runner.runRound().forEach(m -> measured.add(m.getMeasurementId()));
                        downMillis.add((System.nanoTime() - t) / 1_000_000);
                    }
                    broker.restart();
                    for (int i = 0; i < ROUNDS_BACK; i++) {
                        runner.runRound().forEach(m -> measured.add(m.getMeasurementId()));
                    }
                    assertThat(publisher.awaitDelivered(Duration.ofSeconds(90))).as("spool drained after the outage").isTrue();
                    assertThat(runner.notAccepted()).isZero();
                }
                System.out.printf("probe rounds while the broker was stopped took %s ms%n", downMillis);
                assertThat(downMillis).as("round durations while Kafka is away, ms").allSatisfy(ms -> assertThat(ms).isLessThan(2_500));
                int rounds = ROUNDS_UP + ROUNDS_DOWN + ROUNDS_BACK;
                assertThat(measured).hasSize(2 * rounds);
                Set<String> arrived = new HashSet<>();
                consume(broker, TopicNames.MEASUREMENTS, AvroSerde.specific(ProbeMeasurement.class, registry.url(), false).deserializer(),
                        measured.size(), (ProbeMeasurement m) -> arrived.add(m.getMeasurementId()));
                assertThat(arrived).as("every measurement of every round, after deduplication").isEqualTo(measured);
                List<ProbeHeartbeat> beats = new ArrayList<>();
                consume(broker, TopicNames.HEARTBEATS, AvroSerde.specific(ProbeHeartbeat.class, registry.url(), false).deserializer(),
                        ROUNDS_UP + ROUNDS_BACK, beats::add);
                assertThat(beats).as("heartbeats from before and after the outage").hasSizeGreaterThanOrEqualTo(ROUNDS_UP + ROUNDS_BACK);
            }
        }
    }

    private static <V> void consume(EmbeddedKafkaBroker broker, String topic, Deserializer<V> values, int atLeast,
                                    java.util.function.Consumer<V> sink) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "cadence-it-" + topic);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        int[] seen = {0};
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(p, new StringDeserializer(), values)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen[0] < atLeast && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                    sink.accept(r.value());
                    seen[0]++;
                });
            }
        }
    }
}
