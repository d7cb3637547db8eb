package org.reachwatch.cli;

import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.evaluation.Expectations;
import org.reachwatch.evaluation.Score;
import org.reachwatch.evaluation.ScoredEvent;
import org.reachwatch.evaluation.Scorer;
import org.reachwatch.evaluation.ServiceOutageScore;
import org.reachwatch.evaluation.TruthEpisodes;
import org.reachwatch.feeds.InputFormat;
import org.reachwatch.schemas.io.Directories;
import org.reachwatch.schemas.json.AvroJson;
import org.reachwatch.simulator.Scenario;
import org.reachwatch.simulator.Simulator;
import org.reachwatch.simulator.TimedMeasurement;
import org.reachwatch.simulator.Truth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch eval}: simulate each scenario, replay it through the real detector, score the
 * events against the scenario's truth, print the table, and exit 1 when a scenario misses its own
 * {@code expect:} minimums. Several scenarios share one embedded broker and registry.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Simulate + replay + score against the scenario's truth; exit 1 when its expectations are not met.")
public final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", required = true, arity = "1..*", description = "Scenario YAML files (repeatable; several after one flag, as with a shell glob).")
    List<Path> scenarios;

    @Mixin
    DetectorOptions detector;

    /** A given cluster instead of the embedded broker and registry (each run gets its own topics there). */
    @Mixin
    ClusterOptions cluster;

    @Option(names = "--out-dir", description = "Keep measurements, truth and events here (default: a temporary directory under "
            + "reachwatch-out, deleted at the end).")
    Path outDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DetectorOptions.DetectorConfig config = detector.load();
        DetectorSettings settings = config.settings();
        // Not an OS temp directory: the detector's state goes next to the events, and Kafka Streams warns
        // about state in a directory the OS may clear.
        Path dir = outDir != null ? Files.createDirectories(outDir)
                : Files.createTempDirectory(Files.createDirectories(Path.of("reachwatch-out")), "eval-");
        List<String> failures = new ArrayList<>();
        try (EmbeddedStack stack = EmbeddedStack.connectOrStart(cluster.resolve(null, null), 0)) {
            for (Path file : scenarios) {
                Scenario scenario = Scenario.read(file);
                Path measurements = dir.resolve(scenario.name() + ".jsonl");
                Path truth = dir.resolve(scenario.name() + ".truth.json");
                Path events = dir.resolve(scenario.name() + ".events.jsonl");
                long simulated = simulate(scenario, measurements);
                Truth.of(scenario).write(truth);
                err.printf(Locale.ROOT, "eval: %s: %,d measurements simulated%n", scenario.name(), simulated);
                err.flush();
                Replay.Result result = Replay.run(new Replay.Request(List.of(measurements), InputFormat.NATIVE, events, null,
                        settings, stack.cluster(), config.topics(), false), err);
                Score score = Scorer.score(TruthEpisodes.read(truth), toScored(result.events()),
                        (int) settings.windowSize().toMinutes());
                out.printf(Locale.ROOT, "%n== %s (%,d measurements, %,d events, replay %.1f s)%n%s%n", scenario.name(),
                        simulated, result.events().size(), result.seconds(), score.table());
                ServiceOutageScore outages = ServiceOutageScore.score(TruthEpisodes.read(truth),
                        result.serviceOutages().stream().map(e -> new ServiceOutageScore.OutageEvent(e.getType().name(),
                                e.getTarget(), e.getAt(), e.getDetectedAt())).toList());
                out.println(outages.line());
                List<String> missed = new ArrayList<>(expectations(scenario).check(score));
                missed.addAll(serviceOutagesMissed(outages, scenario, settings));
                if (missed.isEmpty()) {
                    out.printf("%s: expectations met%n", scenario.name());
                } else {
                    missed.forEach(m -> out.printf("%s: EXPECTATION NOT MET: %s%n", scenario.name(), m));
                    missed.forEach(m -> failures.add(scenario.name() + ": " + m));
                }
                out.flush();
            }
        }
        if (outDir == null) {
            Directories.deleteRecursively(dir);
        }
        out.printf("%n%d of %d scenarios met their expectations%n", scenarios.size() - (int) failures.stream()
                .map(f -> f.substring(0, f.indexOf(':'))).distinct().count(), scenarios.size());
        return failures.isEmpty() ? 0 : 1;
    }

    /**
     * Checked in every scenario: no service outage the truth does not have, and every global outage seen
     * by at least {@code service.outage.countries} of the scenario's countries is found.
     */
    static List<String> serviceOutagesMissed(ServiceOutageScore s, Scenario scenario, DetectorSettings settings) {
        List<String> missed = new ArrayList<>();
        if (s.falseOutages() > 0) {
            missed.add(s.falseOutages() + " service outage(s) the truth does not have");
        }
        if (scenario.countries().size() >= settings.serviceOutageCountries() && s.found() < s.outages()) {
            missed.add("service outages found " + s.found() + " of " + s.outages());
        }
        return missed;
    }

    static long simulate(Scenario scenario, Path out) throws java.io.IOException {
        long n = 0;
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            Iterator<TimedMeasurement> it = Simulator.run(scenario);
            while (it.hasNext()) {
                w.write(AvroJson.toJsonLine(it.next().measurement()));
                w.newLine();
                n++;
            }
        }
        return n;
    }

    static List<ScoredEvent> toScored(List<DisruptionEvent> events) {
        return events.stream().map(e -> ScoredEvent.parse(AvroJson.toJsonLine(e))).toList();
    }

    private static Expectations expectations(Scenario scenario) {
        Scenario.Expect e = scenario.expect();
        if (e == null) {
            return Expectations.NONE;
        }
        return new Expectations(e.minRecall(), e.maxFalsePerRegionTargetWeek(), e.maxMedianDelayMinutes(),
                e.maxP95DelayMinutes(), e.maxIncidentsPerEpisode(), e.minPhaseRecall(), e.maxFalseOutages(),
                e.maxExtraSteps(), e.minAttribution(), e.minThrottleRecall(), e.maxFalseThrottling(),
                e.maxThrottleMedianDelayMinutes(), e.maxThrottleP95DelayMinutes(), e.minThrottleEndRecall(),
                e.maxThrottleExtraSteps(), e.minThrottleAttribution());
    }
}
