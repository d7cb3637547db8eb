package org.reachwatch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.reachwatch.api.ApiServer;
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

    /** {@code --webhook URL}: alerts sent from this process too. */
    @Mixin
    WebhookOptions webhook;

    /** The status API, dashboard and metrics; {@code --no-http} turns them off. */
    @Mixin
    HttpOptions http;

    @Option(names = "--no-http", description = "Do not serve the status API, dashboard and metrics.")
    boolean noHttp;

    @Option(names = "--state-dir", defaultValue = "reachwatch-state", description = "Kafka Streams state directory (default ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--application-id", defaultValue = "reachwatch-detector", description = "Kafka Streams application id (default ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--status-seconds", defaultValue = "60", description = "How often to print the detector's counters (default ${DEFAULT-VALUE}).")
    int statusSeconds;

    /** Counters, and what keeps the detector from processing (a rebalance, a registry outage), in one line. */
    static String status(DetectorApp app) {
        KafkaStreams.State state = app.streams().state();
        String counters;
        try {
            counters = app.stats().toString() + (state == KafkaStreams.State.RUNNING ? "" : " (" + state + ")");
        } catch (InvalidStateStoreException e) {
            counters = "{} (" + state + ": counters not queryable now)";
        }
        if (app.registryOutages() > 0) {
            counters += "; schema registry unavailable " + app.registryOutages() + " times, last: " + app.lastRegistryOutage();
        }
        return counters;
    }

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
        CountDownLatch closed = new CountDownLatch(1);
        // SIGTERM and Ctrl-C are a request to stop: close Kafka Streams cleanly (it writes its
        // checkpoints, so the next start restores nothing) and exit 0. Without a handler the JVM
        // would start exiting (status 143) and halt as soon as the shutdown hooks return.
        boolean handled = onSignals(stop, "TERM", "INT");
        // Any other exit (System.exit elsewhere, a signal not handled): wait for the close all the same.
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(CLOSE_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "reachwatch-detect-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Properties streams = new Properties();
        // Static membership: a restart (clean or after a crash) rejoins as the same member and gets its
        // tasks back at once, instead of waiting out session.timeout.ms (45 s) for the old member.
        streams.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId(applicationId, stateDir));
        // Listening first: its address is the detector's application.server, where other instances forward to.
        ApiServer api = noHttp ? null : http.start(null);
        try (DetectorApp app = DetectorApp.start(c.bootstrapServers(), c.kafka(), config.topics(),
                DetectorTopics.defaults(c.registryUrl()), config.settings(), applicationId, stateDir,
                api == null ? streams : HttpOptions.streamsSettings(api, streams), Duration.ofMinutes(2));
             AlertRunner alerts = webhook.start(c, false, spec.commandLine().getErr())) {
            if (api != null) {
                HttpOptions.attach(api, app, c.bootstrapServers(), c.kafka(), config.settings());
                spec.commandLine().getOut().printf("status API, dashboard and metrics at %s%n", api.url());
            }
            spec.commandLine().getOut().printf("detector running on %s; %s stops it%n", c.describe(),
                    handled ? "SIGTERM or Ctrl-C" : "Ctrl-C");
            spec.commandLine().getOut().flush();
            while (!stop.await(statusSeconds, TimeUnit.SECONDS)) {
                if (app.failure() != null) {
                    throw new IllegalStateException("detector stopped: " + app.failure().getMessage(), app.failure());
                }
                spec.commandLine().getErr().printf("detector: %s%n", status(app));
                spec.commandLine().getErr().flush();
            }
            spec.commandLine().getErr().println("detector: stopping (closing Kafka Streams, writing checkpoints)");
            spec.commandLine().getErr().flush();
        } finally {
            if (api != null) {
                api.close();
            }
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running and has just been released
            }
        }
        spec.commandLine().getErr().println("detector: stopped cleanly");
        spec.commandLine().getErr().flush();
        return 0;
    }

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /** Counts {@code stop} down on each signal; false when the JVM does not let us handle them (e.g. -Xrs). */
    static boolean onSignals(CountDownLatch stop, String... names) {
        boolean all = true;
        for (String name : names) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.countDown());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                all = false;
            }
        }
        return all;
    }

    /**
     * A stable member id per application, host and state directory: the same after a restart, different
     * for another instance (which cannot share the state directory anyway). Kafka allows [a-zA-Z0-9._-].
     */
    static String instanceId(String applicationId, Path stateDir) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        String dir = Integer.toHexString(stateDir.toAbsolutePath().normalize().toString().hashCode());
        String id = (applicationId + "-" + host + "-" + dir).replaceAll("[^a-zA-Z0-9._-]", "_");
        return id.length() <= 200 ? id : id.substring(0, 200);
    }
}
