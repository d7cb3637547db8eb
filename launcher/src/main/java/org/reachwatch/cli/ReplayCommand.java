package org.reachwatch.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.reachwatch.feeds.InputFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reachwatch replay}: measurement files through the real detector; events as JSON lines. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replays measurement files (file order = arrival order) through the detector on an embedded "
                + "(or given) Kafka and Schema Registry and writes every disruption event as a JSON line.")
public final class ReplayCommand implements Callable<Integer> {
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

    @Mixin
    DetectorOptions detector;

    @Option(names = "--order", defaultValue = "file",
            description = "file (default: file order is arrival order, late uploads stay late) | event-time "
                    + "(sort each file by measurement time first, for exports that lost arrival order; holds a file in memory)")
    String order;

    /** A given cluster instead of the embedded broker and registry (each piece not given is embedded). */
    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        InputFormat inputFormat = format == null ? null : InputFormat.fromCliName(format);
        DetectorOptions.DetectorConfig config = detector.load();
        Replay.Result result = Replay.run(new Replay.Request(inputs, inputFormat, eventsOut, windowsOut,
                config.settings(), cluster.resolve(null, null), config.topics(), eventTimeOrder(order)), err);
        out.printf(Locale.ROOT, "replayed %,d measurements (%,d bad lines) in %.1f s: %,d events in %,d incidents -> %s%n",
                result.published(), result.badLines(), result.seconds(), result.events().size(), result.incidents(), eventsOut);
        out.printf(Locale.ROOT, "detector: %s%n", result.detectorStats());
        if (windowsOut != null) {
            out.printf(Locale.ROOT, "%,d availability windows -> %s%n", result.windows(), windowsOut);
        }
        return 0;
    }

    static boolean eventTimeOrder(String order) {
        return switch (order) {
            case "file" -> false;
            case "event-time" -> true;
            default -> throw new IllegalArgumentException("--order must be file or event-time, got " + order);
        };
    }
}
