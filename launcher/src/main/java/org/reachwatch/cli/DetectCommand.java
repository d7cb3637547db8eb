package org.reachwatch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorTopics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reachwatch detect}: the detector against a real cluster, until interrupted. */
@Command(name = "detect", mixinStandardHelpOptions = true,
        description = "Runs the detector (Kafka Streams, exactly-once) on a Kafka cluster until interrupted: reads "
                + "probe.measurements and probe.heartbeats, writes availability.windows, disruption.events, disruption.incidents.")
public final class DetectCommand implements Callable<Integer> {
    static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
    static final String DEFAULT_REGISTRY_URL = "http://localhost:8081";

    @Spec
    CommandSpec spec;

    /** Cluster options; defaults localhost:9092 and http://localhost:8081. */
    @Mixin
    ClusterOptions cluster;

    @Mixin
    DetectorOptions detector;

    @Option(names = "--state-dir", defaultValue = "reachwatch-state", description = "Kafka Streams state directory (default ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--application-id", defaultValue = "reachwatch-detector", description = "Kafka Streams application id (default ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--status-seconds", defaultValue = "60", description = "How often to print the detector's counters (default ${DEFAULT-VALUE}).")
    int statusSeconds;

    @Override
    public Integer call() throws Exception {
        DetectorOptions.DetectorConfig config = detector.load();
        Cluster c = cluster.resolve(DEFAULT_BOOTSTRAP_SERVERS, DEFAULT_REGISTRY_URL);
        if (!c.checkAccess(Duration.ofSeconds(30))) {
            spec.commandLine().getErr().printf("detect: Kafka at %s or the registry did not answer yet; waiting for them%n",
                    c.bootstrapServers());
        }
        Files.createDirectories(stateDir);
        CountDownLatch stop = new CountDownLatch(1);
        try (DetectorApp app = DetectorApp.start(c.bootstrapServers(), c.kafka(), config.topics(),
                DetectorTopics.defaults(c.registryUrl()), config.settings(), applicationId, stateDir, new Properties(),
                Duration.ofMinutes(2))) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "reachwatch-detect-shutdown"));
            spec.commandLine().getOut().printf("detector running on %s; Ctrl-C stops it%n", c.describe());
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
