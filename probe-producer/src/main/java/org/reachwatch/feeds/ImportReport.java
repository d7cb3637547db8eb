package org.reachwatch.feeds;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What one import did: lines read, measurements handed on, and every bad line counted with its line
 * number and reason. Only the first {@link #MAX_KEPT_BAD_LINES} bad lines are kept with details so
 * that a file of garbage cannot exhaust memory; {@link #badLines()} always counts all of them.
 * Not thread-safe: one import fills one report.
 */
public final class ImportReport {
    /** How many bad lines keep their number and reason. */
    public static final int MAX_KEPT_BAD_LINES = 1000;

    /** One rejected line: 1-based line number in the (decompressed) file, and why. */
    public record BadLine(long lineNumber, String reason) {
        @Override
        public String toString() {
            return "line " + lineNumber + ": " + reason;
        }
    }

    private final String source;
    private long linesRead;
    private long measurements;
    private long badLines;
    private final List<BadLine> kept = new ArrayList<>();

    public ImportReport(String source) {
        this.source = source;
    }

    void lineRead() {
        linesRead++;
    }

    void measurementEmitted() {
        measurements++;
    }

    void badLine(long lineNumber, String reason) {
        badLines++;
        if (kept.size() < MAX_KEPT_BAD_LINES) {
            kept.add(new BadLine(lineNumber, reason));
        }
    }

    /** Name of the file or stream imported. */
    public String source() {
        return source;
    }

    /** Physical lines read, header included. */
    public long linesRead() {
        return linesRead;
    }

    /** Measurements handed to the consumer. */
    public long measurements() {
        return measurements;
    }

    /** Lines rejected (all of them, not only the kept ones). */
    public long badLines() {
        return badLines;
    }

    /** The first {@link #MAX_KEPT_BAD_LINES} bad lines, in file order. */
    public List<BadLine> badLineDetails() {
        return Collections.unmodifiableList(kept);
    }

    @Override
    public String toString() {
        return source + ": " + linesRead + " lines, " + measurements + " measurements, " + badLines + " bad lines"
                + (kept.isEmpty() ? "" : " (first: " + kept.get(0) + ")");
    }
}
