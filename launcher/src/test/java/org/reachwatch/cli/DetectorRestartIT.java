package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorSettings;

/**
 * Drill: {@code detect} stopped by SIGTERM mid-stream closes Kafka Streams cleanly (exit 0, every
 * store checkpointed: the next start restores nothing) and is RUNNING again within seconds, with
 * the same member id (static membership, so no wait for the old member's session to expire); the
 * run's events equal an uncrashed replay's. Then a {@code kill -9} and a restart, timed too. Both
 * restart times are printed.
 */
class DetectorRestartIT {
    static final String SCENARIO = "method-change";
    static final String APP = "drill-restart";

    @TempDir
    Path dir;

    @Test
    void sigtermClosesCleanlyAndTheRestartIsRunningWithinSecondsWithNothingLost() throws Exception {
        List<ProbeMeasurement> measurements = DrillCluster.scenario(SCENARIO);
        List<String> reference = DrillCluster.referenceEvents(SCENARIO);
        Path state = dir.resolve("state");
        int half = measurements.size() / 2;
        try (DrillCluster cluster = DrillCluster.start()) {
            String input = cluster.topics.measurements().name();
            Duration afterSigterm;
            Duration afterKill;
            java.util.Map<String, Long> restoredAfterKill;
            long exitMillis;
            try (DetectorProcess first = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(), state, APP,
                    dir.resolve("first.log"))) {
                first.awaitRunning(Duration.ofMinutes(2));
                cluster.publish(measurements.subList(0, half));
                cluster.awaitCommitted(APP, input, half, Duration.ofMinutes(2), first);

                long t = System.nanoTime();
                int exit = first.terminate(Duration.ofSeconds(60));
                exitMillis = (System.nanoTime() - t) / 1_000_000;
                assertThat(exit).as("exit code after SIGTERM; log:%n%s", first.tail()).isZero();
                assertThat(first.output()).contains("stopped cleanly");
            }
            // What made restarts slow (45 s) was the restarted detector waiting for its own stopped self to time
            // out of the group. Static membership avoids that: the stopped member keeps its instance id, and a
            // restart with the same id takes its place at once. Checked, not timed (the time is printed).
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
                assertThat(admin.describeConsumerGroups(List.of(APP)).all().get(30, TimeUnit.SECONDS).get(APP).members())
                        .as("members of the detector's group after SIGTERM").isNotEmpty()
                        .allSatisfy(m -> assertThat(m.groupInstanceId()).as("static instance id").isPresent());
            }

            try (DetectorProcess second = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(), state, APP,
                    dir.resolve("second.log"))) {
                afterSigterm = second.awaitRunning(Duration.ofMinutes(2));
                // The clean close checkpointed every store: the restart restores nothing from the changelogs.
                assertThat(second.restored()).as("records restored per changelog after SIGTERM").isNotEmpty()
                        .allSatisfy((changelog, records) -> assertThat(records).isZero());
                cluster.publish(measurements.subList(half, measurements.size()));
                cluster.awaitCommitted(APP, input, measurements.size(), Duration.ofMinutes(2), second);
                cluster.publishEndOfInput(measurements, DetectorSettings.defaultSettings());
                cluster.awaitEndOfInput(APP, cluster.ticksAtEnd, Duration.ofMinutes(1), second);
                assertThat(cluster.events()).as("events after a SIGTERM restart").isEqualTo(reference);
                second.kill();
            }
            try (DetectorProcess third = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(), state, APP,
                    dir.resolve("third.log"))) {
                afterKill = third.awaitRunning(Duration.ofMinutes(2));
                restoredAfterKill = third.restored();
                assertThat(third.terminate(Duration.ofSeconds(60))).isZero();
            }
            System.out.printf("detect: exit %d ms after SIGTERM; JVM start to RUNNING %d ms after SIGTERM, %d ms after kill -9 "
                    + "(%,d measurements; restored after kill -9: %s)%n", exitMillis, afterSigterm.toMillis(), afterKill.toMillis(),
                    measurements.size(), restoredAfterKill);
            assertThat(cluster.events()).as("a restart adds no event").isEqualTo(reference);
        }
    }
}
