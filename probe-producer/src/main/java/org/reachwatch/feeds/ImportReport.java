package org.reachwatch.feeds;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one import did: lines read, lines that went into a measurement, measurements handed on, and
 * every bad line counted with its line number and reason, and by the kind of its reason. Only the
 * first {@link #MAX_KEPT_BAD_LINES} bad lines are kept with details so that a file of garbage
 * cannot exhaust memory; {@link #badLines()} and {@link #rejectedByKind()} always count all of
 * them. A truncated input counts as one more bad line, of kind {@link #TRUNCATED}, numbered after
 * the last complete one. Not thread-safe: one import fills one report.
 */
public final class ImportReport {
    /** How many bad lines keep their number and reason. */
    public static final int MAX_KEPT_BAD_LINES = 1000;
    /** The kind of the bad line that stands for a truncated input. */
    public static final String TRUNCATED = "file truncated";

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
    private long goodLines;
    private long badLines;
    private final List<BadLine> kept = new ArrayList<>();
    private final Map<String, Long> byKind = new TreeMap<>();

    public ImportReport(String source) {
        this.source = source;
    }

    void lineRead() {
        linesRead++;
    }

    /** A line that went into a measurement (for CSV exports, one of its rows). */
    void lineAccepted() {
        goodLines++;
    }

    void measurementEmitted() {
        measurements++;
    }

    void badLine(long lineNumber, RejectedRecordException e) {
        badLine(lineNumber, e.kind(), e.getMessage());
    }

    void badLine(long lineNumber, String kind, String reason) {
        badLines++;
        byKind.merge(kind, 1L, Long::sum);
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

    /** Lines that went into a measurement: neither rejected nor blank nor a header. */
    public long goodLines() {
        return goodLines;
    }

    /** Bad lines counted by the kind of their reason, by name. */
    public Map<String, Long> rejectedByKind() {
        return Collections.unmodifiableMap(byKind);
    }

    /** Whether the input ended early (a cut-off compressed file); the lines before the cut were read. */
    public boolean truncated() {
        return byKind.containsKey(TRUNCATED);
    }

    /** The first {@link #MAX_KEPT_BAD_LINES} bad lines, in file order. */
    public List<BadLine> badLineDetails() {
        return Collections.unmodifiableList(kept);
    }

    @Override
    public String toString() {
        return source + ": " + linesRead + " lines, " + measurements + " measurements, " + badLines + " bad lines"
                + (byKind.isEmpty() ? "" : " " + byKind) + (kept.isEmpty() ? "" : " (first: " + kept.get(0) + ")");
    }
}
