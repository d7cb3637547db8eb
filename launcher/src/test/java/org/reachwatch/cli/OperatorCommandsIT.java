package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.alerts.AlertFormat;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.TopicDrain;
import org.reachwatch.schemas.json.AvroJson;

/**
 * The operator commands as a user runs them, each in its own JVM against a real broker and registry:
 * {@code detect --webhook} alerting a (real, loopback) Slack-style receiver while it detects the
 * Pakistan scenario; {@code alert} with filters sending the event JSON to another receiver, stopped
 * and started again with its offsets lost; {@code events --from-beginning} printing the timeline.
 */
class OperatorCommandsIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void detectAlertsWhileDetectingAndAnAlertProcessSendsEachFilteredEventOnceAcrossRestarts() throws Exception {
        List<ProbeMeasurement> measurements = DrillCluster.scenario("pakistan-2024");
        try (DrillCluster cluster = DrillCluster.start(); WebhookReceiver slack = new WebhookReceiver(true); WebhookReceiver json = new WebhookReceiver(false)) {
            List<DisruptionEvent> events;
            try (DetectorProcess detect = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(), dir.resolve("state"),
                    "operator-it", dir.resolve("detect.log"), "--webhook", slack.url(), "--webhook-format", "slack")) {
                detect.awaitRunning(Duration.ofMinutes(2));
                cluster.publish(measurements);
                // As replay does: the end of input only once every measurement is consumed (sent earlier, it would
                // close the last windows before the measurements not yet fetched, which would then be late).
                cluster.awaitCommitted("operator-it", cluster.topics.measurements().name(), measurements.size(),
                        Duration.ofMinutes(3), detect);
                cluster.publishEndOfInput(measurements, DetectorSettings.defaultSettings());
                cluster.awaitEndOfInput("operator-it", cluster.ticksAtEnd, Duration.ofMinutes(1), detect);
                events = awaitAllAlerted(cluster, slack, detect);
                assertThat(detect.terminate(Duration.ofSeconds(60))).as("detect exit; log:%n%s", detect.tail()).isZero();
                assertThat(detect.output()).contains("alerts: " + events.size() + " delivered");
            }
            assertThat(events).extracting(DisruptionEvent::getType).contains(EventType.DISRUPTION_STARTED,
                    EventType.PARTIAL_RESTORATION, EventType.REBLOCKED, EventType.RESTORED);
            assertThat(slack.accepted()).containsOnlyKeys(ids(events)).allSatisfy((id, n) -> assertThat(n).isOne());
            for (DisruptionEvent e : events) {
                assertThat(MAPPER.readTree(slack.body(e.getEventId())).get("text").asText())
                        .isEqualTo(AlertFormat.text(e).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"));
            }
            assertThat(slack.requests()).as("each first attempt got a 503").isEqualTo(2L * events.size());

            // A separate alert process for onsets and re-blocks, in JSON, from the beginning.
            List<DisruptionEvent> wanted = events.stream()
                    .filter(e -> e.getType() == EventType.DISRUPTION_STARTED || e.getType() == EventType.REBLOCKED).toList();
            List<String> alert = List.of("alert", "--bootstrap-servers", cluster.bootstrapServers(), "--schema-registry-url",
                    cluster.registryUrl(), "--webhook", json.url(), "--from-beginning", "--country", "PK",
                    "--type", "DISRUPTION_STARTED,REBLOCKED", "--group-id", "operator-it-json", "--status-seconds", "1",
                    "--retry-backoff-ms", "50");
            try (DetectorProcess first = DetectorProcess.command(dir.resolve("alert-1.log"), alert)) {
                json.await(Duration.ofMinutes(1), () -> json.accepted().size() >= wanted.size(), first);
                first.awaitOutput(events.size() - wanted.size() + " filtered out", 1, Duration.ofSeconds(30));
                assertThat(first.terminate(Duration.ofSeconds(60))).as("alert exit; log:%n%s", first.tail()).isZero();
            }
            assertThat(json.accepted()).containsOnlyKeys(ids(wanted)).allSatisfy((id, n) -> assertThat(n).isOne());
            for (DisruptionEvent e : wanted) {
                assertThat(json.body(e.getEventId())).isEqualTo(AvroJson.toJsonLine(e));
            }

            // Its offsets lost: the ledger alone keeps it from sending anything again.
            resetOffsets(cluster, "operator-it-json");
            long before = json.requests();
            try (DetectorProcess second = DetectorProcess.command(dir.resolve("alert-2.log"), alert)) {
                second.awaitOutput(wanted.size() + " already handled", 1, Duration.ofMinutes(1));
                assertThat(second.terminate(Duration.ofSeconds(60))).isZero();
                assertThat(second.output()).contains("0 delivered");
            }
            assertThat(json.requests()).isEqualTo(before);

            // The analyst's timeline of the same run.
            try (DetectorProcess timeline = DetectorProcess.command(dir.resolve("events.log"), List.of("events",
                    "--bootstrap-servers", cluster.bootstrapServers(), "--schema-registry-url", cluster.registryUrl(), "--from-beginning"))) {
                for (DisruptionEvent e : events) {
                    timeline.awaitOutput(Timeline.line(e), 1, Duration.ofMinutes(1));
                }
                assertThat(timeline.terminate(Duration.ofSeconds(30))).isZero();
                assertThat(timeline.output()).contains("events: " + events.size() + " printed");
            }
            System.out.printf("OperatorCommandsIT: detect --webhook delivered %d events in %d requests (each first attempt 503), "
                    + "duplicates 0; alert --type DISRUPTION_STARTED,REBLOCKED sent %d, 0 after an offset reset%n",
                    events.size(), slack.requests(), wanted.size());
        }
    }

    /** Waits until the detector's events (all published: the end of input is processed) are all delivered. */
    private static List<DisruptionEvent> awaitAllAlerted(DrillCluster cluster, WebhookReceiver receiver, DetectorProcess detect)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        Set<String> last = Set.of();
        long sameSince = System.nanoTime();
        while (true) {
            List<DisruptionEvent> events = TopicDrain.readAll(cluster.bootstrapServers(), cluster.topics.events().name(),
                    cluster.topics.events().valueSerde().deserializer(), Duration.ofMinutes(1));
            Set<String> now = ids(events);
            if (!now.equals(last)) {
                last = now;
                sameSince = System.nanoTime();
            }
            // Done when every event is alerted and the detector has added none for 3 s (it has caught up with the input).
            if (!now.isEmpty() && receiver.accepted().keySet().equals(now) && System.nanoTime() - sameSince > TimeUnit.SECONDS.toNanos(3)) {
                return events;
            }
            if (!detect.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("events " + events.size() + ", alerted " + receiver.accepted().size() + "; log:\n"
                        + detect.tail());
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
    }

    private static Set<String> ids(List<DisruptionEvent> events) {
        return events.stream().map(DisruptionEvent::getEventId).collect(Collectors.toSet());
    }

    private static void resetOffsets(DrillCluster cluster, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
            admin.describeTopics(List.of(cluster.topics.events().name())).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(cluster.topics.events().name()).partitions()
                    .forEach(p -> zero.put(new TopicPartition(cluster.topics.events().name(), p.partition()), new OffsetAndMetadata(0)));
            admin.alterConsumerGroupOffsets(group, zero).all().get(30, TimeUnit.SECONDS);
        }
    }
}
