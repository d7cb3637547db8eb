package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorSettings;

/**
 * Drill: the broker is stopped under a running detector mid-stream and restarted; the detector
 * rides it out (stays up, no restart of its own) and its events equal an uncrashed replay's.
 */
class BrokerRestartIT {
    static final String SCENARIO = "method-change";
    static final String APP = "drill-broker";

    @TempDir
    Path dir;

    @Test
    void detectorRidesOutABrokerRestartMidStreamAndLosesNothing() throws Exception {
        List<ProbeMeasurement> measurements = DrillCluster.scenario(SCENARIO);
        List<String> reference = DrillCluster.referenceEvents(SCENARIO);
        int half = measurements.size() / 2;
        try (DrillCluster cluster = DrillCluster.start();
             DetectorProcess detector = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(),
                     dir.resolve("state"), APP, dir.resolve("detect.log"))) {
            String input = cluster.topics.measurements().name();
            detector.awaitRunning(Duration.ofMinutes(2));
            cluster.publish(measurements.subList(0, half));
            cluster.awaitCommitted(APP, input, half / 2, Duration.ofMinutes(2), detector);

            cluster.broker.stop();
            // Down until the detector's clients have failed to reach it many times over (several seconds).
            detector.awaitOutput("could not be established", 20, Duration.ofMinutes(1));
            assertThat(detector.isAlive()).as("detector alive with the broker down; log:%n%s", detector.tail()).isTrue();
            cluster.broker.restart();

            long restarted = System.nanoTime();
            cluster.publish(measurements.subList(half, measurements.size()));
            // Twice in full-suite runs the detector stopped committing here for over 3 min (cause not known
            // yet; a stall's report now says why each task is not processing). 6 min is past task.timeout.ms
            // (5 min), how long Kafka Streams retries a timed-out transaction commit before giving the task
            // up: a stall that Streams resolves itself passes, slowly, and prints its time; one it does not fails.
            cluster.awaitCommitted(APP, input, measurements.size(), Duration.ofMinutes(6), detector);
            System.out.printf("detector caught up %d s after the broker restart%n",
                    Duration.ofNanos(System.nanoTime() - restarted).toSeconds());
            cluster.publishEndOfInput(measurements, DetectorSettings.defaultSettings());
            cluster.awaitEndOfInput(APP, cluster.ticksAtEnd, Duration.ofMinutes(1), detector);
            assertThat(detector.isAlive()).isTrue();
            assertThat(cluster.events()).isEqualTo(reference);
        }
    }
}
