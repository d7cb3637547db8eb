package org.reachwatch.feeds;

import java.io.IOException;
import java.util.function.Consumer;

import org.reachwatch.avro.ProbeMeasurement;

/**
 * One measurement per line, blank lines skipped, one line (at most the source's cap) buffered. The
 * format's parser turns a line into a measurement or throws {@link RejectedRecordException} with
 * the reason reported for that line; any other exception ends the read.
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
    public ImportReport read(LineSource in, String sourceName, Consumer<ProbeMeasurement> sink) throws IOException {
        ImportReport report = new ImportReport(sourceName);
        long number = 0;
        while (true) {
            String line;
            try {
                line = in.readLine();
            } catch (RejectedRecordException tooLong) {
                report.lineRead();
                report.badLine(++number, tooLong);
                continue;
            }
            if (line == null) {
                return report;
            }
            number++;
            report.lineRead();
            if (line.isBlank()) {
                continue;
            }
            ProbeMeasurement m;
            try {
                m = parser.parse(line);
            } catch (RejectedRecordException e) {
                report.badLine(number, e);
                continue;
            }
            report.lineAccepted();
            sink.accept(m);
            report.measurementEmitted();
        }
    }
}
