package org.reachwatch.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.reachwatch.api.ApiServer;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.detector.TopicDrain;
import org.reachwatch.producer.DiskSpool;
import org.reachwatch.producer.MeasurementPublisher;
import org.reachwatch.report.AvailabilityReport;
import org.reachwatch.schemas.io.Directories;
import org.reachwatch.simulator.Scenario;
import org.reachwatch.simulator.Simulator;
import org.reachwatch.simulator.TimedMeasurement;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch demo}: the main job on the embedded default. A simulated fleet shaped like
 * Pakistan in February 2024 publishes live (days compressed into about a minute) through the
 * lossless publisher to a real broker and registry; the detector runs; its events are printed as
 * a timeline as they arrive; at the end an HTML report with a chart per region and target.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Embedded Kafka + Schema Registry, a simulated fleet replaying the February 2024 blocking of X in "
                + "Pakistan in accelerated time, the detector, a live timeline and an HTML report.")
public final class DemoCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", description = "Scenario YAML (default: scenarios/pakistan-2024.yaml of this checkout).")
    Path scenarioFile;

    @Option(names = "--seconds", defaultValue = "45", description = "Wall-clock seconds the scenario is compressed into (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--report", defaultValue = "reachwatch-out/demo-report.html", description = "Where to write the HTML report (default ${DEFAULT-VALUE}).")
    Path report;

    @Mixin
    WebhookOptions webhook;

    @Option(names = "--serve", description = "Serve the live dashboard, status API and metrics during the run (the URL is "
            + "printed as dashboard=http://host:port/ before the replay starts) and keep them up afterwards until interrupted.")
    boolean serve;

    @Mixin
    HttpOptions http;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long started = System.nanoTime();
        Scenario scenario = Scenario.read(scenarioFile != null ? scenarioFile : defaultScenario());
        DetectorSettings settings = DetectorSettings.defaultSettings();
        // The run's own folder, next to its report: Kafka Streams warns at every start about state in an
        // OS temp directory (the OS may clear it under a running detector).
        Path work = Files.createTempDirectory(Files.createDirectories(report.toAbsolutePath().getParent()), ".demo-");
        out.printf("reachwatch demo: %s, %s to %s, replayed live in ~%d s%n", scenario.name(),
                TIME.format(scenario.start()), TIME.format(scenario.end()), seconds);
        ApiServer api = null;
        try (EmbeddedStack stack = EmbeddedStack.connectOrStart(null, null, 0)) {
            out.printf("embedded Kafka at %s (started in %d ms), Schema Registry at %s%n", stack.bootstrapServers(),
                    stack.brokerStartupMillis(), stack.registryUrl());
            DetectorTopics topics = DetectorTopics.defaults(stack.registryUrl());
            if (serve) {
                api = http.start("localhost");
            }
            try (DetectorApp app = DetectorApp.start(stack.bootstrapServers(), topics, settings, "reachwatch-demo",
                    work.resolve("state"), api == null ? new Properties() : HttpOptions.streamsSettings(api, new Properties()),
                    Duration.ofSeconds(90));
                 AlertRunner alerts = webhook.start(stack.cluster(), true, err)) {
                if (api != null) {
                    HttpOptions.attach(api, app, stack.bootstrapServers(), stack.cluster().kafka(), settings);
                    out.printf("dashboard=%s%n", api.url());
                    out.flush();
                }
                out.printf("detector running (exactly-once); timeline of disruption events:%n%n");
                Timeline.printHeader(out);
                Timeline timeline = new Timeline(stack.bootstrapServers(), Map.of(), topics.events().name(),
                        topics.events().valueSerde().deserializer(), true, out);
                Thread printer = new Thread(timeline, "reachwatch-demo-timeline");
                printer.start();
                Published published = publishLive(scenario, stack, work.resolve("spool"), err);
                app.sendEndOfInput(published.last(), settings);
                app.awaitCaughtUp(Duration.ofMinutes(2));
                timeline.finish();
                printer.join(TimeUnit.SECONDS.toMillis(30));

                List<AvailabilityWindow> windows = TopicDrain.readAll(stack.bootstrapServers(), topics.windows().name(),
                        topics.windows().valueSerde().deserializer(), Duration.ofMinutes(2));
                List<DisruptionEvent> events = TopicDrain.readAll(stack.bootstrapServers(), topics.events().name(),
                        topics.events().valueSerde().deserializer(), Duration.ofMinutes(2));
                alerts.awaitHandled(events.size(), Duration.ofSeconds(60));
                int charts = AvailabilityReport.write(report, "reachwatch: " + scenario.name(), windows, events);
                Map<String, Long> stats = app.stats();
                out.printf("%n%,d measurements published, %,d counted (%,d duplicates, %,d late), %,d windows, %,d events in %d incidents%n",
                        published.count(), stats.getOrDefault("measurements", 0L), stats.getOrDefault("duplicates", 0L),
                        stats.getOrDefault("late", 0L), windows.size(), events.size(),
                        events.stream().map(DisruptionEvent::getIncidentId).distinct().count());
                out.printf("report with %d chart(s): %s%n", charts, report.toAbsolutePath());
                out.printf("demo finished in %.1f s%n", (System.nanoTime() - started) / 1e9);
                if (api != null) {
                    awaitInterrupt(api, out);
                }
            }
        } finally {
            if (api != null) {
                api.close();
            }
            Directories.deleteRecursively(work);
        }
        return 0;
    }

    /** Keeps the dashboard and API up (the detector running) until SIGTERM or Ctrl-C. */
    private static void awaitInterrupt(ApiServer api, PrintWriter out) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        boolean handled = DetectCommand.onSignals(stop, "TERM", "INT");
        out.printf("serving the dashboard at %s until %s%n", api.url(), handled ? "SIGTERM or Ctrl-C" : "Ctrl-C");
        out.flush();
        stop.await();
    }

    private static Path defaultScenario() {
        String home = System.getenv("REACHWATCH_HOME");
        Path base = home != null ? Path.of(home) : Path.of(".");
        return base.resolve("scenarios").resolve("pakistan-2024.yaml");
    }

    /** How many measurements the live fleet published, and the latest event time among them. */
    private record Published(long count, Instant last) {
    }

    /** Publishes the fleet's measurements at their (compressed) arrival times, as live probes would. */
    private Published publishLive(Scenario scenario, EmbeddedStack stack, Path spoolDir, PrintWriter err) throws Exception {
        double speedup = Duration.between(scenario.start(), scenario.end()).toMillis() / (seconds * 1000.0);
        long wallStart = System.nanoTime();
        long count = 0;
        Instant last = scenario.start();
        Instant lastProgress = scenario.start();
        try (MeasurementPublisher publisher = MeasurementPublisher.create(stack.bootstrapServers(), stack.registryUrl(),
                new DiskSpool(spoolDir, 256L << 20, Duration.ofSeconds(1)))) {
            Iterator<TimedMeasurement> it = Simulator.run(scenario);
            while (it.hasNext()) {
                TimedMeasurement t = it.next();
                long due = (long) (Duration.between(scenario.start(), t.arrival()).toMillis() / speedup);
                long ahead = due - (System.nanoTime() - wallStart) / 1_000_000;
                if (ahead > 5) {
                    // Pacing: live probes publish when they measure, not as fast as a file can be read.
                    Thread.sleep(ahead);
                }
                publisher.publish(t.measurement());
                count++;
                if (t.measurement().getStartTime().isAfter(last)) {
                    last = t.measurement().getStartTime();
                }
                if (Duration.between(lastProgress, t.arrival()).toHours() >= 12) {
                    lastProgress = t.arrival();
                    err.printf("  [demo] simulated clock %s, %,d measurements published%n", TIME.format(t.arrival()), count);
                    err.flush();
                }
            }
            publisher.awaitDelivered(Duration.ofMinutes(1));
        }
        return new Published(count, last);
    }
}
