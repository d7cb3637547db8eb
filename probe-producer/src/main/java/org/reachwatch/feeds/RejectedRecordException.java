package org.reachwatch.feeds;

/** A record that cannot become a measurement; the message is the reason reported for its line. */
public final class RejectedRecordException extends RuntimeException {
    public RejectedRecordException(String reason) {
        super(reason, null, false, false);
    }
}
