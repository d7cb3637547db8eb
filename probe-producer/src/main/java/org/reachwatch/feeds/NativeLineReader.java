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
                throw new RejectedRecordException(kindOf(e.getMessage()), String.valueOf(e.getMessage()));
            }
        });
    }

    /** "not valid JSON", else "invalid " + the field AvroJson names first ("invalid startTime"): bounded by the schema. */
    static String kindOf(String message) {
        if (message == null) {
            return "invalid record";
        }
        if (message.startsWith("not valid JSON")) {
            return "not valid JSON";
        }
        int cut = message.length();
        for (char c : new char[] {' ', ':'}) {
            int i = message.indexOf(c);
            if (i > 0 && i < cut) {
                cut = i;
            }
        }
        String field = message.substring(0, cut);
        return "invalid " + (field.startsWith("ProbeMeasurement.") ? field.substring("ProbeMeasurement.".length()) : field);
    }
}
