package org.reachwatch.feeds;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.function.Consumer;

import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.json.AvroJson;

/** {@link InputFormat#NATIVE}: one {@link AvroJson} ProbeMeasurement per line; blank lines are skipped. Buffers one line. */
final class NativeLineReader implements FeedReader {
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
                m = AvroJson.fromJsonLine(line, ProbeMeasurement.class);
            } catch (RuntimeException e) {
                report.badLine(number, String.valueOf(e.getMessage()));
                continue;
            }
            sink.accept(m);
            report.measurementEmitted();
        }
        return report;
    }
}
