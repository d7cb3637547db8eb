package org.reachwatch.detector.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything the state machine remembers about one region and target (or one region's volume),
 * stored as JSON in a state store between windows. Public mutable fields keep the (de)serialization
 * trivial; only {@link DisruptionTracker} changes them.
 */
public final class TrackerState {
    /** Lifecycle stage. */
    public enum Stage { NORMAL, BLOCKED, PARTIAL, RESTORED }

    /** One phase of an incident. */
    public static final class Phase {
        public Stage stage;
        public long from;
        public Long to;
        public Double minAvailability;
        public Set<String> methods = new TreeSet<>();
    }

    public String country;
    public String asn;
    public String target;

    /** Learned normal failure share (or, for a region tracker, normal measurement volume per window). */
    public double baseline;
    public int baselineWindows;

    /** Thin windows pooled until they hold enough evidence. */
    public WindowObservation pool;

    public Stage stage = Stage.NORMAL;
    public String incidentId;
    public long incidentStart;
    public String cause;
    /** Failures and conclusive measurements of the windows judged BLOCKED in the current blocked phase. */
    public long blockedFailures;
    public long blockedTotal;
    public String method;
    public long restoredAt;
    public long lastChangeAt;
    public int reblocks;
    public long blockedMillis;
    public List<Phase> phases = new ArrayList<>();
    public Set<String> methods = new TreeSet<>();
    public Set<String> everBlockedNetworks = new TreeSet<>();
    public Double lastAvailability;

    /** A streak of observations pointing to one transition ("restore", "partial", "reblock", "onset"). */
    public String pendingKind;
    public long pendingSince;
    public int pendingCount;

    public String pendingMethod;
    public long pendingMethodSince;
    public int pendingMethodCount;

    public TrackerState() {
    }

    public TrackerState(String country, String asn, String target, double prior) {
        this.country = country;
        this.asn = asn;
        this.target = target;
        this.baseline = prior;
    }

    public boolean inIncident() {
        return stage != Stage.NORMAL;
    }
}
