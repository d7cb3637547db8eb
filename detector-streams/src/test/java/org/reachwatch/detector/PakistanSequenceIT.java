package org.reachwatch.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.reachwatch.detector.Measurements.T0;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.registry.SchemaRegistryServer;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * The story of February 2024 on a real broker and registry: a national block of x.com, partial
 * restoration on some networks, a re-block, then restoration. One incident, four events, in order.
 */
class PakistanSequenceIT {
    private static final List<String> NETWORKS = List.of("AS17557", "AS24499", "AS59257", "AS45595");
    private static final Instant BLOCK = T0.plus(Duration.ofMinutes(60));
    private static final Instant PARTIAL = T0.plus(Duration.ofMinutes(150));
    private static final Instant REBLOCK = T0.plus(Duration.ofMinutes(240));
    private static final Instant RESTORE = T0.plus(Duration.ofMinutes(330));
    private static final Instant END = T0.plus(Duration.ofMinutes(420));

    private static EmbeddedKafkaBroker broker;
    private static SchemaRegistryServer registry;

    @BeforeAll
    static void startCluster() {
        broker = EmbeddedKafkaBroker.start();
        registry = SchemaRegistryServer.start(broker.bootstrapServers(), 0);
    }

    @AfterAll
    static void stopCluster() {
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void topicsWithAnotherPartitionCountAreRefusedNamingTheSettingToUse() {
        DetectorTopics topics = DetectorTopics.withPrefix("counts.", registry.url());
        DetectorApp.createTopics(broker.bootstrapServers(), topics);
        java.util.Properties three = new java.util.Properties();
        three.setProperty("detector.partitions", "3");
        java.util.Properties twoOutage = new java.util.Properties();
        twoOutage.setProperty("detector.outage.partitions", "2");

        assertThatThrownBy(() -> DetectorApp.createTopics(broker.bootstrapServers(), java.util.Map.of(),
                DetectorTopicConfigs.defaults(), topics, DetectorSettings.from(three)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("topic counts.probe.measurements has 6 partitions")
                .hasMessageContaining("set detector.partitions=6");
        assertThatThrownBy(() -> DetectorApp.createTopics(broker.bootstrapServers(), java.util.Map.of(),
                DetectorTopicConfigs.defaults(), topics, DetectorSettings.from(twoOutage)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("topic counts.detector.verdicts has 1 partitions")
                .hasMessageContaining("set detector.outage.partitions=1");
    }

    @Test
    void blockPartialRestorationReblockAndRestorationAreOneIncident(@TempDir Path state) throws Exception {
        DetectorTopics topics = DetectorTopics.defaults(registry.url());
        DetectorSettings settings = DetectorSettings.defaultSettings();
        List<ProbeMeasurement> fleet = Measurements.fleet("PK", NETWORKS, 5, List.of("x.com"), "example.com", T0, END,
                PakistanSequenceIT::censor, t -> true);

        try (DetectorApp app = DetectorApp.start(broker.bootstrapServers(), topics, settings, "pakistan-it",
                Files.createDirectories(state.resolve("streams")), new Properties(), Duration.ofSeconds(60))) {
            publish(topics, fleet);
            app.sendEndOfInput(fleet.get(fleet.size() - 1).getStartTime(), settings);
            app.awaitCaughtUp(Duration.ofSeconds(120));

            List<DisruptionEvent> events = TopicDrain.readAll(broker.bootstrapServers(), topics.events().name(),
                    topics.events().valueSerde().deserializer(), Duration.ofSeconds(30));

            assertThat(events).extracting(DisruptionEvent::getType).containsExactly(EventType.DISRUPTION_STARTED,
                    EventType.PARTIAL_RESTORATION, EventType.REBLOCKED, EventType.RESTORED);
            assertThat(events).extracting(DisruptionEvent::getAt).containsExactly(BLOCK, PARTIAL, REBLOCK, RESTORE);
            assertThat(events).extracting(DisruptionEvent::getIncidentId).containsOnly("PK-x.com-20240217T2100Z");
            assertThat(events).allSatisfy(e -> assertThat(e.getAsn()).isNull());
            assertThat(events.get(1).getNetworks()).filteredOn(n -> n.getBlocked())
                    .extracting(n -> n.getAsn()).containsExactlyInAnyOrder("AS59257", "AS45595");
            assertThat(app.stats()).containsEntry("measurements", (long) fleet.size());
            assertThat(app.trackers().get("PK||x.com").stage).isEqualTo(org.reachwatch.detector.lifecycle.TrackerState.Stage.RESTORED);
        }
    }

    private static BlockingMethod censor(String country, String asn, String target, int probe, Instant at) {
        if (at.isBefore(BLOCK) || !at.isBefore(RESTORE)) {
            return null;
        }
        boolean partlyBack = !at.isBefore(PARTIAL) && at.isBefore(REBLOCK);
        if (partlyBack && Set.of("AS17557", "AS24499").contains(asn)) {
            return null;
        }
        return BlockingMethod.TLS;
    }

    private static void publish(DetectorTopics topics, List<ProbeMeasurement> fleet) throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, "20");
        try (KafkaProducer<String, ProbeMeasurement> producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerde.specific(ProbeMeasurement.class, registry.url(), false).serializer())) {
            for (ProbeMeasurement m : fleet) {
                producer.send(new ProducerRecord<>(topics.measurements().name(), TopicNames.partitionKey(m.getCountry()), m));
            }
            producer.flush();
        }
    }
}
