package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopicConfigs;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.detector.TopicDrain;
import org.reachwatch.embedded.EmbeddedKafkaCluster;
import org.reachwatch.registry.SchemaRegistryServer;
import org.reachwatch.schemas.json.AvroJson;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * The pipeline on three brokers (replication factor 3, min.insync.replicas 2): the broker leading
 * the measurements partition is stopped in the middle of the stream, and the detector's events are
 * the same as in an undisturbed run on the same cluster, with every measurement on the topic.
 */
class ThreeBrokerIT {
    @TempDir
    static Path dir;
    static EmbeddedKafkaCluster cluster;
    static SchemaRegistryServer registry;

    @BeforeAll
    static void start() {
        cluster = EmbeddedKafkaCluster.start(3, Map.of());
        registry = SchemaRegistryServer.start(cluster.bootstrapServers(), 0);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void losingABrokerMidStreamLosesNoMeasurementAndChangesNoEvent() throws Exception {
        List<ProbeMeasurement> fleet = Fleet.measurements();
        List<String> undisturbed = run("calm", fleet, null);
        assertThat(undisturbed).isNotEmpty();

        List<String> disturbed = run("storm", fleet, (topics, half) -> {
            int leader = cluster.leaderOf(topics.measurements().name(), 0);
            cluster.stop(leader);
            assertThat(cluster.leaderOf(topics.measurements().name(), 0)).isNotEqualTo(leader);
        });

        assertThat(disturbed).containsExactlyElementsOf(undisturbed);
    }

    private interface Disturbance {
        void apply(DetectorTopics topics, int published) throws Exception;
    }

    /** Publishes the fleet (half, disturbance, rest) to topics of their own, returns the events as JSON lines. */
    private List<String> run(String name, List<ProbeMeasurement> fleet, Disturbance disturbance) throws Exception {
        DetectorTopics topics = DetectorTopics.withPrefix(name + ".", registry.url());
        DetectorSettings settings = DetectorSettings.defaultSettings();
        try (DetectorApp app = DetectorApp.start(cluster.bootstrapServers(), Map.of(), DetectorTopicConfigs.defaults(), topics, settings,
                "three-" + name, Files.createDirectories(dir.resolve(name)), inputOrder(), Duration.ofSeconds(90));
             Pipeline pipeline = new Pipeline(cluster.bootstrapServers(), Map.of(), registry.url(), topics, dir.resolve(name + "-spool"))) {
            assertReplicated(topics.measurements().name());
            int half = fleet.size() / 2;
            pipeline.publish(fleet.subList(0, half));
            if (disturbance != null) {
                disturbance.apply(topics, half);
            }
            pipeline.publish(fleet.subList(half, fleet.size()));
            app.sendEndOfInput(fleet.get(fleet.size() - 1).getStartTime(), settings);
            app.awaitCaughtUp(Duration.ofMinutes(3));

            List<ProbeMeasurement> onTopic = TopicDrain.readAll(cluster.bootstrapServers(), topics.measurements().name(),
                    AvroSerde.specific(ProbeMeasurement.class, registry.url(), false).deserializer(), Duration.ofMinutes(1));
            assertThat(onTopic.stream().map(ProbeMeasurement::getMeasurementId).distinct().count())
                    .as("%s: distinct measurements on the topic (publisher %s)", name, pipeline.metrics()).isEqualTo(fleet.size());
            return TopicDrain.readAll(cluster.bootstrapServers(), topics.events().name(), topics.events().valueSerde().deserializer(),
                    Duration.ofMinutes(1)).stream().map(AvroJson::toJsonLine).toList();
        }
    }

    /**
     * The end-of-input heartbeat travels on another topic than the measurements. On three brokers the two
     * partitions are fetched from different leaders, and with Streams' default {@code max.task.idle.ms=0}
     * the heartbeat can be processed before measurements already on the broker were fetched, making them
     * late: the run's events would then depend on fetch timing. Waiting for the other partition keeps the
     * input in timestamp order (see the report to the detector's owner).
     */
    private static Properties inputOrder() {
        Properties p = new Properties();
        p.setProperty("max.task.idle.ms", "10000");
        return p;
    }

    private static void assertReplicated(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            assertThat(description.partitions().get(0).replicas()).hasSize(3);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            assertThat(admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
                    .get("min.insync.replicas").value()).isEqualTo("2");
        }
    }
}
