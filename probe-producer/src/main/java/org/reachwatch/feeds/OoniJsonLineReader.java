package org.reachwatch.feeds;

/** {@link InputFormat#OONI}: one raw OONI measurement per line (JSONL), read in one streaming pass ({@link OoniRawRecord}). */
final class OoniJsonLineReader {
    private OoniJsonLineReader() {
    }

    static FeedReader create() {
        return new JsonLinesReader(OoniRawParser::parse);
    }
}
