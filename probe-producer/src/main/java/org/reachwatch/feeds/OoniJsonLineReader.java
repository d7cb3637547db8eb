package org.reachwatch.feeds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@link InputFormat#OONI}: one raw OONI measurement per line (JSONL). */
final class OoniJsonLineReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OoniJsonLineReader() {
    }

    static FeedReader create() {
        return new JsonLinesReader(line -> {
            try {
                return OoniRawParser.parse(MAPPER.readTree(line));
            } catch (JsonProcessingException e) {
                throw new RejectedRecordException("not valid JSON", "not valid JSON: " + e.getOriginalMessage());
            }
        });
    }
}
