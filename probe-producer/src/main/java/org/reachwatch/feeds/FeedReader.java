package org.reachwatch.feeds;

import java.io.IOException;
import java.util.function.Consumer;

import org.reachwatch.avro.ProbeMeasurement;

/**
 * Reads one measurement file format from a stream, in file order, handing each measurement to a
 * consumer as soon as it is complete. A bad line is counted in the report with its number and
 * reason and never stops the read, a line over the source's length cap included. Memory does not
 * grow with the file (see each implementation for what it buffers). An exception thrown by the consumer, or an I/O error, ends the read and
 * propagates: those are the caller's failures, not the file's.
 */
public interface FeedReader {
    ImportReport read(LineSource in, String sourceName, Consumer<ProbeMeasurement> sink) throws IOException;
}
