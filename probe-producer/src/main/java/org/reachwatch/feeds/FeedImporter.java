package org.reachwatch.feeds;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

import org.reachwatch.avro.ProbeMeasurement;

/**
 * Entry point of the importers: reads a file in one of the {@link InputFormat}s, streaming, and
 * returns the report. Gzip is detected from the file's magic bytes (so {@code .gz} files and
 * mis-named ones both work). A line longer than the cap (default
 * {@link LineSource#DEFAULT_MAX_LINE_CHARS}) is rejected and counted, never held in memory, so a
 * gzip bomb of one endless line costs time, not the heap. A truncated gzip file (a download cut
 * short) ends the import normally at the damage: everything before it is handed on (grouped
 * observations included) and the truncation is reported as a bad line of kind
 * {@link ImportReport#TRUNCATED} after the last complete one.
 */
public final class FeedImporter {
    private static final int BUFFER = 1 << 16;

    private FeedImporter() {
    }

    public static FeedReader reader(InputFormat format) {
        return switch (format) {
            case NATIVE -> NativeLineReader.create();
            case OONI -> OoniJsonLineReader.create();
            case OONI_OBS -> new OoniObservationReader();
        };
    }

    public static ImportReport importFile(Path file, InputFormat format, Consumer<ProbeMeasurement> sink)
            throws IOException {
        return importFile(file, format, sink, LineSource.DEFAULT_MAX_LINE_CHARS);
    }

    /** As {@link #importFile(Path, InputFormat, Consumer)}, rejecting lines over {@code maxLineChars} characters. */
    public static ImportReport importFile(Path file, InputFormat format, Consumer<ProbeMeasurement> sink, int maxLineChars)
            throws IOException {
        try (LineSource in = new LineSource(open(file), maxLineChars)) {
            ImportReport report = reader(format).read(in, file.toString(), sink);
            if (in.truncation() != null) {
                report.badLine(report.linesRead() + 1, ImportReport.TRUNCATED, "file truncated: " + in.truncation()
                        + " (the lines before it were read)");
            }
            return report;
        }
    }

    /** Opens {@code file} as UTF-8 text, gunzipping it when it starts with the gzip magic bytes. */
    public static BufferedReader open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        try {
            raw.mark(2);
            int b1 = raw.read();
            int b2 = raw.read();
            raw.reset();
            InputStream in = (b1 == 0x1f && b2 == 0x8b) ? new GZIPInputStream(raw, BUFFER) : raw;
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), BUFFER);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }
}
