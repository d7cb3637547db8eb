package org.reachwatch.schemas;

/** Default names of reachwatch's topics; every producer and consumer takes them from here or from config. */
public final class TopicNames {
    /**
     * ProbeMeasurement values, keyed by country ({@link #partitionKey}): one country's measurements all
     * reach the same detector task, which keeps that country's state and event-time clock.
     */
    public static final String MEASUREMENTS = "probe.measurements";
    /** ProbeHeartbeat values, keyed by country ({@link #partitionKey}), like the measurements. */
    public static final String HEARTBEATS = "probe.heartbeats";
    /**
     * The detector's own clock ticks (ProbeHeartbeat values from the detector), sent to every partition
     * so a partition whose probes all went quiet still moves in event time; also where a replay says
     * that its input has ended. Written only by the detector and replay: probes have no business here.
     */
    public static final String TICKS = "detector.ticks";
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
    /**
     * The detector's per-window verdicts (JSON, internal): every partition tells every partition of this
     * topic which targets fail in its countries, for the second stage that judges targets across countries.
     * Written only by the detector.
     */
    public static final String VERDICTS = "detector.verdicts";
    /** ServiceOutageEvent values keyed by target: one target failing in several countries at once. */
    public static final String SERVICE_OUTAGES = "service.outages";
    /**
     * The alert sender's ledger (compacted), one record per alert group and event id: sending, delivered
     * or dead-lettered. What lets an alert process know, after a restart, which events it already sent.
     */
    public static final String ALERTS_DELIVERED = "alerts.delivered";
    /** Disruption events a webhook rejected for good (or could not be confirmed), with the reason in headers. */
    public static final String ALERTS_DEAD_LETTER = "disruption.events.alerts-dlq";

    private TopicNames() {
    }

    /**
     * The record key of a measurement or heartbeat: its country, upper case. The detector refuses (dead-
     * letters) a record that reached a partition its country does not hash to, so every producer must
     * key with this.
     */
    public static String partitionKey(String country) {
        return country == null ? "" : country.trim().toUpperCase(java.util.Locale.ROOT);
    }
}
