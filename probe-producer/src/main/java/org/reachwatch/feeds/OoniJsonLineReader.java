package org.reachwatch.feeds;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.reachwatch.avro.ProbeMeasurement;

/** {@link InputFormat#OONI}: one raw OONI measurement per line (JSONL); blank lines are skipped. Buffers one line. */
final class OoniJsonLineReader implements FeedReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();

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
                JsonNode node = MAPPER.readTree(line);
                m = OoniRawParser.parse(node);
            } catch (JsonProcessingException e) {
                report.badLine(number, "not valid JSON: " + e.getOriginalMessage());
                continue;
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
