package org.reachwatch.detector.lifecycle;

/** What one (pooled) observation says about the target, relative to its baseline. */
public enum Verdict {
    /** Too few measurements or probes: says nothing, starts and ends nothing. */
    NO_EVIDENCE,
    /** Failure share at or near the baseline. */
    NORMAL,
    /** Above the baseline, but neither clearly normal nor clearly blocked. */
    INTERMEDIATE,
    /** Failure share significantly and substantially above the baseline. */
    BLOCKED
}
