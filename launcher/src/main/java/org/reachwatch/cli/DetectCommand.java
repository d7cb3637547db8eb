package org.reachwatch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reachwatch detect}: the detector against a real cluster, until interrupted. */
@Command(name = "detect", mixinStandardHelpOptions = true,
        description = "Runs the detector (Kafka Streams, exactly-once) on a Kafka cluster until interrupted: reads "
                + "probe.measurements and probe.heartbeats, writes availability.windows, disruption.events, disruption.incidents.")
public final class DetectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", defaultValue = "http://localhost:8081", description = "Schema Registry URL (default ${DEFAULT-VALUE}).")
    String registryUrl;

    @Option(names = "--config", description = "Detector properties file (detector.* keys, see detector-streams/DESIGN.md).")
    Path config;

    @Option(names = "--state-dir", defaultValue = "reachwatch-state", description = "Kafka Streams state directory (default ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--application-id", defaultValue = "reachwatch-detector", description = "Kafka Streams application id (default ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--status-seconds", defaultValue = "60", description = "How often to print the detector's counters (default ${DEFAULT-VALUE}).")
    int statusSeconds;

    @Override
    public Integer call() throws Exception {
        DetectorSettings settings = ReplayCommand.loadSettings(config);
        Files.createDirectories(stateDir);
        CountDownLatch stop = new CountDownLatch(1);
        try (DetectorApp app = DetectorApp.start(bootstrapServers, DetectorTopics.defaults(registryUrl), settings,
                applicationId, stateDir, new Properties(), Duration.ofMinutes(2))) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "reachwatch-detect-shutdown"));
            spec.commandLine().getOut().printf("detector running on %s (registry %s); Ctrl-C stops it%n", bootstrapServers, registryUrl);
            spec.commandLine().getOut().flush();
            while (!stop.await(statusSeconds, TimeUnit.SECONDS)) {
                if (app.failure() != null) {
                    throw new IllegalStateException("detector stopped: " + app.failure().getMessage(), app.failure());
                }
                spec.commandLine().getErr().printf("detector: %s%n", app.stats());
                spec.commandLine().getErr().flush();
            }
        }
        return 0;
    }
}
