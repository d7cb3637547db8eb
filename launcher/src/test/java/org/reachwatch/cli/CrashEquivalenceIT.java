package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorSettings;

/**
 * Drill: a detector in a child JVM is killed with {@code kill -9} three times mid-stream (no
 * shutdown hook, no checkpoint, an open transaction) and restarted each time; its events equal an
 * uncrashed replay's, byte for byte. Exactly-once is what makes this hold.
 */
class CrashEquivalenceIT {
    // Big enough that a kill lands while the detector still works through its backlog.
    static final String SCENARIO = "pakistan-2024";
    static final String APP = "drill-crash";

    @TempDir
    Path dir;

    @Test
    void threeKillNinesMidStreamGiveTheEventsOfAnUncrashedRun() throws Exception {
        List<ProbeMeasurement> measurements = DrillCluster.scenario(SCENARIO);
        List<String> reference = DrillCluster.referenceEvents(SCENARIO);
        assertThat(reference).as("the scenario has a story to get right")
                .anyMatch(e -> e.contains("\"DISRUPTION_STARTED\"")).anyMatch(e -> e.contains("\"RESTORED\""));
        Path state = dir.resolve("state");
        // Commits every 100 ms (the default is 1 s): each kill then lands with a transaction open and
        // work since the last commit to throw away, which is what the drill is about.
        Path kafkaConfig = java.nio.file.Files.writeString(dir.resolve("client.properties"), "commit.interval.ms=100\n");
        List<Long> killedAt = new ArrayList<>();
        List<Long> restartMillis = new ArrayList<>();
        try (DrillCluster cluster = DrillCluster.start()) {
            String input = cluster.topics.measurements().name();
            cluster.publish(measurements);
            int n = measurements.size();
            DetectorProcess detector = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(), state, APP,
                    dir.resolve("run-0.log"), "--kafka-config", kafkaConfig.toString());
            try {
                detector.awaitRunning(Duration.ofMinutes(2));
                for (int crash = 1; crash <= 3; crash++) {
                    cluster.awaitCommitted(APP, input, (long) n * crash / 4, Duration.ofMinutes(2), detector);
                    detector.kill();
                    killedAt.add(cluster.committed(APP, input));
                    detector = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(), state, APP,
                            dir.resolve("run-" + crash + ".log"), "--kafka-config", kafkaConfig.toString());
                    restartMillis.add(detector.awaitRunning(Duration.ofMinutes(2)).toMillis());
                }
                cluster.awaitCommitted(APP, input, n, Duration.ofMinutes(2), detector);
                cluster.publishEndOfInput(measurements, DetectorSettings.defaultSettings());
                cluster.awaitEndOfInput(APP, cluster.ticksAtEnd, Duration.ofMinutes(1), detector);
                List<String> events = cluster.events();
                System.out.printf("crash drill: killed at committed offsets %s of %,d; JVM start to RUNNING after each kill -9: %s ms; "
                        + "%d events%n", killedAt, n, restartMillis, events.size());
                assertThat(killedAt).as("every kill hit mid-stream").allSatisfy(at -> assertThat(at).isBetween(1L, (long) n - 1));
                assertThat(events).isEqualTo(reference);
            } finally {
                detector.close();
            }
        }
    }
}
