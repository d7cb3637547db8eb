package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.registry.SchemaRegistryServer;

/**
 * Drill: the detector starts while the Schema Registry is down, with a backlog of valid records;
 * the registry comes back. A registry that does not answer says nothing about the records, so none
 * may be dead-lettered: the detector holds, then processes every one, and its events equal an
 * uncrashed replay's.
 */
class RegistryOutageIT {
    static final String SCENARIO = "method-change";
    static final String APP = "drill-registry";

    @TempDir
    Path dir;

    @Test
    void detectorStartedWithTheRegistryDownDeadLettersNothingAndCatchesUpWhenItReturns() throws Exception {
        List<ProbeMeasurement> measurements = DrillCluster.scenario(SCENARIO);
        List<String> reference = DrillCluster.referenceEvents(SCENARIO);
        try (DrillCluster cluster = DrillCluster.start()) {
            cluster.publish(measurements);
            cluster.publishEndOfInput(measurements, DetectorSettings.defaultSettings());
            int port = URI.create(cluster.registryUrl()).getPort();
            cluster.registry.close();
            try (DetectorProcess detector = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(),
                    dir.resolve("state"), APP, dir.resolve("detect.log"))) {
                detector.awaitRunning(Duration.ofMinutes(2));
                // Two status reports (10 s) with the registry away.
                detector.awaitOutput("detector: {", 2, Duration.ofMinutes(1));
                try (SchemaRegistryServer back = SchemaRegistryServer.start(cluster.bootstrapServers(), port)) {
                    cluster.awaitCommitted(APP, cluster.topics.measurements().name(), measurements.size(), Duration.ofMinutes(3), detector);
                    cluster.awaitEndOfInput(APP, cluster.ticksAtEnd, Duration.ofMinutes(1), detector);
                    assertThat(cluster.endOffset(cluster.topics.deadLetter().name())).as("records dead-lettered").isZero();
                    assertThat(cluster.events()).isEqualTo(reference);
                }
            }
        }
    }
}
