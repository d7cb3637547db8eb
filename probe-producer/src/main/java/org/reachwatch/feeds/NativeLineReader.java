package org.reachwatch.feeds;

import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.json.AvroJson;

/** {@link InputFormat#NATIVE}: one {@link AvroJson} ProbeMeasurement per line. */
final class NativeLineReader {
    private NativeLineReader() {
    }

    static FeedReader create() {
        return new JsonLinesReader(line -> {
            try {
                return AvroJson.fromJsonLine(line, ProbeMeasurement.class);
            } catch (RuntimeException e) {
                throw new RejectedRecordException(String.valueOf(e.getMessage()));
            }
        });
    }
}
