package org.reachwatch.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.reachwatch.feeds.FeedImporter;
import org.reachwatch.feeds.ImportReport;
import org.reachwatch.feeds.InputFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reachwatch import-bench}: how fast an importer reads a file (parse and map only, no Kafka). */
@Command(name = "import-bench", mixinStandardHelpOptions = true,
        description = "Measure importer throughput: lines/s and measurements/s for one file (no broker).")
public final class ImportBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, description = "File to import (.gz is read transparently).")
    Path input;

    @Option(names = "--format", required = true, converter = InputFormatConverter.class,
            description = "ooni | ooni-obs | native")
    InputFormat format;

    @Option(names = "--repeat", defaultValue = "3",
            description = "Timed runs after one warm-up run; the best is reported (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long[] sink = new long[1];
        ImportReport report = FeedImporter.importFile(input, format, m -> sink[0]++);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < Math.max(1, repeat); i++) {
            long t0 = System.nanoTime();
            report = FeedImporter.importFile(input, format, m -> sink[0]++);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        out.printf("%s (%s): %,d lines, %,d measurements, %,d bad lines%n", input, format, report.linesRead(),
                report.measurements(), report.badLines());
        out.printf("best of %d runs: %.3f s, %,.0f lines/s, %,.0f measurements/s%n", Math.max(1, repeat), best,
                report.linesRead() / best, report.measurements() / best);
        if (!report.badLineDetails().isEmpty()) {
            out.println("first bad line: " + report.badLineDetails().get(0));
        }
        out.flush();
        return 0;
    }

    /** picocli converter for the public format names. */
    public static final class InputFormatConverter implements picocli.CommandLine.ITypeConverter<InputFormat> {
        @Override
        public InputFormat convert(String value) {
            return InputFormat.fromCliName(value);
        }
    }
}
