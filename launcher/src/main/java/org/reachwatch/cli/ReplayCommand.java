package org.reachwatch.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.reachwatch.feeds.InputFormat;
import org.reachwatch.feeds.LineSource;
import org.reachwatch.schemas.json.AvroJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch replay}: measurement files through the real detector; events as JSON lines.
 * Exits 0 when the input was mostly good, {@value #EXIT_BAD_INPUT} when it held no valid
 * measurement or more bad lines than good ones (events are still written), 1 on an error.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replays measurement files (file order = arrival order) through the detector on an embedded "
                + "(or given) Kafka and Schema Registry and writes every disruption event as a JSON line.")
public final class ReplayCommand implements Callable<Integer> {
    /** Exit code for input that is not trustworthy: nothing valid in it, or more bad than good lines. */
    static final int EXIT_BAD_INPUT = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, description = "Measurement file (.gz allowed); repeat for several, replayed in order.")
    List<Path> inputs;

    @Option(names = "--format", description = "ooni | ooni-obs | native (default: guessed per file)")
    String format;

    @Option(names = "--events-out", required = true, description = "Where to write disruption events (JSON lines).")
    Path eventsOut;

    @Option(names = "--windows-out", description = "Where to write availability windows (JSON lines).")
    Path windowsOut;

    @Option(names = "--service-outages-out",
            description = "Where to write service outages (JSON lines): targets failing in several countries at once, "
                    + "judged across every partition (service.outages).")
    Path serviceOutagesOut;

    @Mixin
    DetectorOptions detector;

    @Option(names = "--order", defaultValue = "file",
            description = "file (default: file order is arrival order, late uploads stay late) | event-time "
                    + "(sort all input by measurement time first, for exports that lost arrival order; an external sort: "
                    + "bounded memory, temporary files about the size of the measurements in Avro)")
    String order;

    /** A given cluster instead of the embedded broker and registry (each piece not given is embedded). */
    @Mixin
    ClusterOptions cluster;

    @Option(names = "--max-line-length", defaultValue = "" + LineSource.DEFAULT_MAX_LINE_CHARS,
            description = "Longest input line read, in characters (default ${DEFAULT-VALUE}); longer ones are rejected and counted, never held in memory.")
    int maxLineChars;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        InputFormat inputFormat = format == null ? null : InputFormat.fromCliName(format);
        if (maxLineChars < 1) {
            throw new IllegalArgumentException("--max-line-length must be at least 1, got " + maxLineChars);
        }
        DetectorOptions.DetectorConfig config = detector.load();
        Replay.Result result = Replay.run(new Replay.Request(inputs, inputFormat, eventsOut, windowsOut,
                config.settings(), cluster.resolve(null, null), config.topics(), eventTimeOrder(order), maxLineChars), err);
        out.printf(Locale.ROOT, "replayed %,d measurements (%,d bad lines) in %.1f s: %,d events in %,d incidents -> %s%n",
                result.published(), result.badLines(), result.seconds(), result.events().size(), result.incidents(), eventsOut);
        String input = inputSummary(result);
        out.println(input);
        out.printf(Locale.ROOT, "detector: %s%n", result.detectorStats());
        if (windowsOut != null) {
            out.printf(Locale.ROOT, "%,d availability windows -> %s%n", result.windows(), windowsOut);
        }
        if (serviceOutagesOut != null) {
            Replay.writeLines(serviceOutagesOut, result.serviceOutages().stream().map(AvroJson::toJsonLine));
            out.printf(Locale.ROOT, "%,d service outage events -> %s%n", result.serviceOutages().size(), serviceOutagesOut);
        }
        if (result.published() == 0) {
            err.printf("reachwatch replay: no valid measurement in the input (%s)%n", input);
            return EXIT_BAD_INPUT;
        }
        if (result.badLines() > result.goodLines()) {
            err.printf(Locale.ROOT, "reachwatch replay: more bad lines than good ones (%,d bad, %,d good): the events may not "
                    + "reflect the data (%s)%n", result.badLines(), result.goodLines(), input);
            return EXIT_BAD_INPUT;
        }
        return 0;
    }

    /** "input: read N lines, published M measurements, rejected R lines (reason n, ...)". */
    static String inputSummary(Replay.Result result) {
        StringBuilder reasons = new StringBuilder();
        result.rejectedByKind().forEach((kind, n) -> reasons.append(reasons.length() == 0 ? ": " : ", ")
                .append(kind).append(' ').append(String.format(Locale.ROOT, "%,d", n)));
        return String.format(Locale.ROOT, "input: read %,d lines, published %,d measurements, rejected %,d lines%s",
                result.linesRead(), result.published(), result.badLines(), reasons);
    }

    static boolean eventTimeOrder(String order) {
        return switch (order) {
            case "file" -> false;
            case "event-time" -> true;
            default -> throw new IllegalArgumentException("--order must be file or event-time, got " + order);
        };
    }
}
