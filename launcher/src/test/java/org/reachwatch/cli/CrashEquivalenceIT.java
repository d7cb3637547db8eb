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
 * uncrashed replay's, byte for byte, and so do its service outages. Exactly-once is what makes this hold.
 */
class CrashEquivalenceIT {
    // Big enough that a kill lands while the detector still works through its backlog.
    static final String SCENARIO = "pakistan-2024";
    static final String APP = "drill-crash";

    @TempDir
    Path dir;

    @Test
    void threeKillNinesMidStreamGiveTheEventsOfAnUncrashedRun() throws Exception {
        List<String> reference = DrillCluster.referenceEvents(SCENARIO);
        assertThat(reference).as("the scenario has a story to get right")
                .anyMatch(e -> e.contains("\"DISRUPTION_STARTED\"")).anyMatch(e -> e.contains("\"RESTORED\""));
        Crashed crashed = crashThrice(SCENARIO, APP);
        assertThat(crashed.events()).isEqualTo(reference);
    }

    /**
     * The second stage's state too (its barrier, pending windows and open outages, written at commit):
     * three countries on three partitions lose one service at once; after three kills the service
     * outage events equal an uncrashed run's. Disruption events are compared as a set: tasks of
     * different partitions interleave on the one events partition in no fixed order.
     */
    @Test
    void threeKillNinesGiveTheServiceOutagesOfAnUncrashedRun() throws Exception {
        String scenario = "global-outage";
        List<String> reference = DrillCluster.referenceServiceOutages(scenario);
        assertThat(reference).as("the scenario has a service outage that starts and ends")
                .anyMatch(e -> e.contains("\"SERVICE_OUTAGE_STARTED\"")).anyMatch(e -> e.contains("\"SERVICE_OUTAGE_ENDED\""));
        Crashed crashed = crashThrice(scenario, APP + "-outage");
        assertThat(crashed.serviceOutages()).isEqualTo(reference);
        assertThat(crashed.events()).containsExactlyInAnyOrderElementsOf(DrillCluster.referenceEvents(scenario));
    }

    private record Crashed(List<String> events, List<String> serviceOutages) {
    }

    /** Replays {@code scenario} through a detector killed with kill -9 at a quarter, half and three quarters of its input. */
    private Crashed crashThrice(String scenario, String app) throws Exception {
        List<ProbeMeasurement> measurements = DrillCluster.scenario(scenario);
        Path state = dir.resolve(app);
        // Commits every 100 ms (the default is 1 s): each kill then lands with a transaction open and
        // work since the last commit to throw away, which is what the drill is about.
        Path kafkaConfig = java.nio.file.Files.writeString(dir.resolve(app + ".properties"), "commit.interval.ms=100\n");
        List<Long> killedAt = new ArrayList<>();
        List<Long> restartMillis = new ArrayList<>();
        try (DrillCluster cluster = DrillCluster.start()) {
            String input = cluster.topics.measurements().name();
            cluster.publish(measurements);
            int n = measurements.size();
            DetectorProcess detector = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(), state, app,
                    dir.resolve(app + "-run-0.log"), "--kafka-config", kafkaConfig.toString());
            try {
                detector.awaitRunning(Duration.ofMinutes(2));
                for (int crash = 1; crash <= 3; crash++) {
                    cluster.awaitCommitted(app, input, (long) n * crash / 4, Duration.ofMinutes(2), detector);
                    detector.kill();
                    killedAt.add(cluster.committed(app, input));
                    detector = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(), state, app,
                            dir.resolve(app + "-run-" + crash + ".log"), "--kafka-config", kafkaConfig.toString());
                    restartMillis.add(detector.awaitRunning(Duration.ofMinutes(2)).toMillis());
                }
                cluster.awaitCommitted(app, input, n, Duration.ofMinutes(2), detector);
                cluster.publishEndOfInput(measurements, DetectorSettings.defaultSettings());
                cluster.awaitEndOfInput(app, cluster.ticksAtEnd, Duration.ofMinutes(1), detector);
                cluster.awaitSecondStage(app, Duration.ofMinutes(1), detector);
                Crashed crashed = new Crashed(cluster.events(), cluster.serviceOutages());
                System.out.printf("crash drill %s: killed at committed offsets %s of %,d; JVM start to RUNNING after each kill -9: %s ms; "
                        + "%d events, %d service outage events%n", scenario, killedAt, n, restartMillis, crashed.events().size(),
                        crashed.serviceOutages().size());
                assertThat(killedAt).as("every kill hit mid-stream").allSatisfy(at -> assertThat(at).isBetween(1L, (long) n - 1));
                return crashed;
            } finally {
                detector.close();
            }
        }
    }
}
