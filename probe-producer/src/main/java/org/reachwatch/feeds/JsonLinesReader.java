package org.reachwatch.feeds;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.function.Consumer;

import org.reachwatch.avro.ProbeMeasurement;

/**
 * One measurement per line, blank lines skipped, one line buffered. The format's parser turns a
 * line into a measurement or throws {@link RejectedRecordException} with the reason reported for
 * that line; any other exception ends the read.
 */
final class JsonLinesReader implements FeedReader {
    /** Parses one non-blank line. */
    interface LineParser {
        ProbeMeasurement parse(String line);
    }

    private final LineParser parser;

    JsonLinesReader(LineParser parser) {
        this.parser = parser;
    }

    @Override
    public ImportReport read(BufferedReader in, String sourceName, Consumer<ProbeMeasurement> sink) throws IOException {
        ImportReport report = new ImportReport(sourceName);
        String line;
        long number = 0;
        while ((line = in.readLine()) != null) {
            number++;
            report.lineRead();
            if (line.isBlank()) {
                continue;
            }
            ProbeMeasurement m;
            try {
                m = parser.parse(line);
            } catch (RejectedRecordException e) {
                report.badLine(number, e.getMessage());
                continue;
            }
            sink.accept(m);
            report.measurementEmitted();
        }
        return report;
    }
}
