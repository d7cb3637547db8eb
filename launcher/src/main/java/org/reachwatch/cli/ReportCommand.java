package org.reachwatch.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

import org.apache.avro.specific.SpecificRecord;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.report.AvailabilityReport;
import org.reachwatch.schemas.json.AvroJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch report}: the HTML availability report (the demo's) drawn from the files of any
 * replay: {@code --events-out} and, for the availability lines, {@code --windows-out}.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Draws the HTML availability report (one chart per country and target with an incident: availability per "
                + "network, phases shaded, events marked and listed; for a throttled target also its speed beside the country's "
                + "controls) from a replay's --events-out and --windows-out files.")
public final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--events", required = true, paramLabel = "E.jsonl",
            description = "Disruption events, one JSON object per line (replay --events-out; .gz allowed).")
    Path eventsFile;

    @Option(names = "--windows", paramLabel = "W.jsonl",
            description = "Availability windows, one JSON object per line (replay --windows-out; .gz allowed). Without them "
                    + "the charts show the events only.")
    Path windowsFile;

    @Option(names = "--out", required = true, paramLabel = "R.html", description = "Where to write the report.")
    Path out;

    @Option(names = "--title", description = "Report title (default: reachwatch report: <events file name>).")
    String title;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        List<DisruptionEvent> events = new ArrayList<>();
        read(eventsFile, DisruptionEvent.class, "a disruption event", events::add);
        // Only the windows of charted (country, target) pairs, and their countries' controls at country level (the
        // speed chart's comparison line), are kept: a long replay's windows file can be large.
        Set<String> charted = new HashSet<>();
        Set<String> countries = new HashSet<>();
        events.forEach(e -> {
            charted.add(e.getCountry() + "|" + e.getTarget());
            countries.add(e.getCountry());
        });
        List<AvailabilityWindow> windows = new ArrayList<>();
        long[] allWindows = {0};
        if (windowsFile != null) {
            read(windowsFile, AvailabilityWindow.class, "an availability window", w -> {
                allWindows[0]++;
                if (charted.contains(w.getCountry() + "|" + w.getTarget())
                        || w.getControl() && w.getAsn() == null && countries.contains(w.getCountry())) {
                    windows.add(w);
                }
            });
        }
        String t = title != null ? title : "reachwatch report: " + eventsFile.getFileName();
        int charts = AvailabilityReport.write(out, t, windows, events);
        long incidents = events.stream().map(DisruptionEvent::getIncidentId).distinct().count();
        stdout.printf("%,d events in %,d incidents%s -> %d chart(s): %s%n", events.size(), incidents,
                windowsFile == null ? " (no windows: events only)" : String.format(", %,d of %,d windows charted", windows.size(),
                        allWindows[0]), charts, out.toAbsolutePath());
        if (windowsFile != null && !events.isEmpty() && windows.isEmpty()) {
            spec.commandLine().getErr().printf("report: no window of %s is for a country and target of %s: are they from the same "
                    + "replay?%n", windowsFile, eventsFile);
        }
        return 0;
    }

    /**
     * Hands each non-blank line of {@code file} to {@code sink} as a {@code type}.
     *
     * @throws IllegalArgumentException naming the file and line when a line is not a {@code what}
     */
    static <T extends SpecificRecord> long read(Path file, Class<T> type, String what, Consumer<T> sink) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + " is a directory, not a JSON-lines file");
        }
        long lineNumber = 0;
        long records = 0;
        try (InputStream raw = Files.newInputStream(file);
             BufferedReader reader = new BufferedReader(new InputStreamReader(
                     file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                T record;
                try {
                    record = AvroJson.fromJsonLine(line, type);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(file + " line " + lineNumber + " is not " + what + ": " + e.getMessage()
                            + (lineNumber == 1 ? hint(type) : ""));
                }
                sink.accept(record);
                records++;
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such file: " + file);
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new IllegalArgumentException(file + " is not a complete gzip file (" + e.getMessage() + ")");
        }
        return records;
    }

    private static String hint(Class<?> type) {
        return type == DisruptionEvent.class ? " (--events takes replay's --events-out file)"
                : " (--windows takes replay's --windows-out file)";
    }
}
