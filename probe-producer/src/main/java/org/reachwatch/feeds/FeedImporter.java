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
 * mis-named ones both work). A truncated gzip file (a download cut short) ends the import
 * normally at the damage: everything before it is handed on (grouped observations included) and
 * the truncation is reported as a bad line after the last complete one.
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
        try (TruncationTolerantReader in = new TruncationTolerantReader(open(file))) {
            ImportReport report = reader(format).read(in, file.toString(), sink);
            if (in.truncation() != null) {
                report.badLine(report.linesRead() + 1, "file truncated: " + in.truncation());
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

    /** Turns an unexpected end of a compressed stream into end of input, remembering why. */
    private static final class TruncationTolerantReader extends BufferedReader {
        private final BufferedReader inner;
        private String truncation;

        TruncationTolerantReader(BufferedReader in) {
            super(in, 1);
            this.inner = in;
        }

        @Override
        public String readLine() throws IOException {
            if (truncation != null) {
                return null;
            }
            try {
                return inner.readLine();
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                truncation = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                return null;
            }
        }

        String truncation() {
            return truncation;
        }
    }
}
