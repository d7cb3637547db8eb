package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorSettings;

/**
 * Scale-out drill: two detectors in child JVMs with the same application id share the input's
 * partitions (three countries, in three partitions); one is killed with {@code kill -9} mid-stream,
 * the other takes its partitions over (from its standby replicas) and finishes. The events equal a
 * single uncrashed instance's, as a set (two instances interleave countries differently on the events
 * topic) and, per incident, in order; the service outage events (the second stage's) are the same,
 * in order.
 */
class ScaleOutIT {
    static final String SCENARIO = "global-outage";
    static final String APP = "drill-scale-out";

    @TempDir
    Path dir;

    @Test
    void twoInstancesShareThePartitionsAndKillingOneMidStreamLosesNothing() throws Exception {
        List<ProbeMeasurement> measurements = DrillCluster.scenario(SCENARIO);
        List<String> reference = DrillCluster.referenceEvents(SCENARIO);
        assertThat(reference).as("the scenario has a story in several countries").hasSizeGreaterThanOrEqualTo(4);
        int half = measurements.size() / 2;
        // A killed member is noticed after its session times out: 6 s instead of 45.
        Path kafkaConfig = Files.writeString(dir.resolve("client.properties"),
                "session.timeout.ms=6000\nheartbeat.interval.ms=1500\n");
        try (DrillCluster cluster = DrillCluster.start()) {
            String input = cluster.topics.measurements().name();
            cluster.publish(measurements.subList(0, half));
            DetectorProcess first = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(), dir.resolve("a"), APP,
                    dir.resolve("a.log"), "--kafka-config", kafkaConfig.toString());
            DetectorProcess second = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(), dir.resolve("b"), APP,
                    dir.resolve("b.log"), "--kafka-config", kafkaConfig.toString());
            try {
                first.awaitRunning(Duration.ofMinutes(2));
                second.awaitRunning(Duration.ofMinutes(2));
                List<List<Integer>> shares = awaitTwoMembersSharing(cluster.bootstrapServers(), input, Duration.ofMinutes(2));
                cluster.awaitCommitted(APP, input, half, Duration.ofMinutes(2), second);

                first.kill();
                cluster.publish(measurements.subList(half, measurements.size()));
                cluster.awaitCommitted(APP, input, measurements.size(), Duration.ofMinutes(3), second);
                cluster.publishEndOfInput(measurements, DetectorSettings.defaultSettings());
                cluster.awaitEndOfInput(APP, cluster.ticksAtEnd, Duration.ofMinutes(1), second);
                cluster.awaitSecondStage(APP, Duration.ofMinutes(1), second);

                List<String> events = cluster.events();
                List<String> outages = cluster.serviceOutages();
                List<String> referenceOutages = DrillCluster.referenceServiceOutages(SCENARIO);
                assertThat(referenceOutages).as("the scenario's three countries lose one service at once").isNotEmpty();
                assertThat(outages).as("service outages equal a single uncrashed instance's").isEqualTo(referenceOutages);
                System.out.printf("scale-out drill: partitions of %s per member before the kill %s; %,d measurements, %d events%n",
                        input, shares, measurements.size(), events.size());
                assertThat(events).containsExactlyInAnyOrderElementsOf(reference);
                for (String incident : incidents(reference)) {
                    assertThat(events.stream().filter(e -> e.contains(incident)).toList()).as("incident %s in order", incident)
                            .isEqualTo(reference.stream().filter(e -> e.contains(incident)).toList());
                }
            } finally {
                first.close();
                second.close();
            }
        }
    }

    /** Waits until the group has two members that each own partitions of {@code topic}; returns them. */
    private static List<List<Integer>> awaitTwoMembersSharing(String bootstrap, String topic, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<List<Integer>> shares = List.of();
            while (System.nanoTime() < deadline) {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(APP)).all().get(30, TimeUnit.SECONDS).get(APP);
                shares = new ArrayList<>();
                for (MemberDescription member : group.members()) {
                    shares.add(member.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(topic))
                            .map(tp -> tp.partition()).sorted().toList());
                }
                if (shares.size() == 2 && shares.stream().allMatch(s -> !s.isEmpty())) {
                    return shares;
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
            throw new AssertionError("two members never shared " + topic + ": " + shares);
        }
    }

    private static List<String> incidents(List<String> events) {
        return events.stream().map(e -> e.replaceAll(".*\"incidentId\":\\s*\"([^\"]+)\".*", "$1")).distinct().toList();
    }
}
