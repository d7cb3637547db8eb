package org.reachwatch.schemas;

/** Default names of reachwatch's topics; every producer and consumer takes them from here or from config. */
public final class TopicNames {
    /** ProbeMeasurement values, keyed by "country|target" so a region's measurements of a target stay in order. */
    public static final String MEASUREMENTS = "probe.measurements";
    /** ProbeHeartbeat values, keyed by probe id. */
    public static final String HEARTBEATS = "probe.heartbeats";
    /** Measurements that arrived after their window's grace period: counted and kept, not used. */
    public static final String LATE_MEASUREMENTS = "probe.measurements.late";
    /** Records that failed deserialization or validation, with the reason in headers. */
    public static final String DEAD_LETTER = "probe.measurements.dlq";
    /** AvailabilityWindow values per region and target. */
    public static final String WINDOWS = "availability.windows";
    /** DisruptionEvent values: the story of each disruption. */
    public static final String EVENTS = "disruption.events";
    /** IncidentSummary values keyed by incident id (compacted): the current state of each incident. */
    public static final String INCIDENTS = "disruption.incidents";

    private TopicNames() {
    }
}
