package org.reachwatch.cli;

import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.zip.GZIPOutputStream;

import org.reachwatch.feeds.InputFormat;
import org.reachwatch.feeds.OoniRawWriter;
import org.reachwatch.schemas.json.AvroJson;
import org.reachwatch.simulator.Scenario;
import org.reachwatch.simulator.Simulator;
import org.reachwatch.simulator.TimedMeasurement;
import org.reachwatch.simulator.Truth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch simulate}: a scenario's measurements as JSON lines in arrival order (native, or
 * raw OONI with {@code --format ooni}), and its truth.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Simulate a probe fleet from a scenario YAML: measurements as JSON lines in arrival order "
                + "(deterministic per seed), optionally the truth episodes as JSON.")
public final class SimulateCommand implements Callable<Integer> {
    // The simulator re-sends a duplicate at most 5 minutes after its first copy.
    private static final Duration DUPLICATE_HORIZON = Duration.ofMinutes(6);

    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", required = true, description = "Scenario YAML file.")
    Path scenarioFile;

    @Option(names = "--out", required = true, description = "Output JSON lines file (gzip when it ends with .gz).")
    Path out;

    @Option(names = "--truth", description = "Also write the truth episodes JSON here.")
    Path truthFile;

    @Option(names = "--format", defaultValue = "native", converter = ImportBenchCommand.InputFormatConverter.class,
            description = "native (reachwatch JSON lines, the default) or ooni (raw OONI web_connectivity JSON lines, "
                    + "as replay --format ooni reads them; probe ids become report ids and controls read back as targets).")
    InputFormat format;

    @Override
    public Integer call() throws Exception {
        if (format == InputFormat.OONI_OBS) {
            throw new IllegalArgumentException("simulate writes native or ooni, not " + format);
        }
        java.util.function.Function<org.reachwatch.avro.ProbeMeasurement, String> line =
                format == InputFormat.OONI ? OoniRawWriter::toJsonLine : AvroJson::toJsonLine;
        Scenario scenario = Scenario.read(scenarioFile);
        if (truthFile != null) {
            Truth.of(scenario).write(truthFile);
        }
        long lateAfterMs = 2 * scenario.interval().toMillis();
        long n = 0;
        long late = 0;
        long duplicates = 0;
        ArrayDeque<TimedMeasurement> recent = new ArrayDeque<>();
        Set<String> recentIds = new HashSet<>();
        long t0 = System.nanoTime();
        OutputStream raw = Files.newOutputStream(out);
        if (out.toString().endsWith(".gz")) {
            raw = new GZIPOutputStream(raw, 1 << 16);
        }
        try (Writer w = new BufferedWriter(new OutputStreamWriter(raw, StandardCharsets.UTF_8), 1 << 16)) {
            Iterator<TimedMeasurement> it = Simulator.run(scenario);
            while (it.hasNext()) {
                TimedMeasurement t = it.next();
                w.write(line.apply(t.measurement()));
                w.write('\n');
                n++;
                Instant arrival = t.arrival();
                while (!recent.isEmpty() && recent.peek().arrival().isBefore(arrival.minus(DUPLICATE_HORIZON))) {
                    recentIds.remove(recent.poll().measurement().getMeasurementId());
                }
                if (!recentIds.add(t.measurement().getMeasurementId())) {
                    duplicates++;
                } else {
                    recent.add(t);
                    if (arrival.toEpochMilli() - t.measurement().getStartTime().toEpochMilli() >= lateAfterMs) {
                        late++;
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        spec.commandLine().getOut().printf("%s: %,d measurements (%,d late, %,d duplicates) to %s in %.2f s, %,.0f records/s%n",
                scenario.name(), n, late, duplicates, out, seconds, n / seconds);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
