package org.reachwatch.feeds;

/**
 * A record that cannot become a measurement. The message is the reason reported for its line (with
 * the detail: the value, the column); {@link #kind()} is a short fixed phrase for counting lines
 * by reason ("not valid JSON", "missing probe_cc", "line too long").
 */
public final class RejectedRecordException extends RuntimeException {
    private final String kind;

    /** A reason that is its own kind (a fixed phrase without values). */
    public RejectedRecordException(String reason) {
        this(reason, reason);
    }

    public RejectedRecordException(String kind, String reason) {
        super(reason, null, false, false);
        this.kind = kind;
    }

    public String kind() {
        return kind;
    }
}
