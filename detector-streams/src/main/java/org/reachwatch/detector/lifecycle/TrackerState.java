package org.reachwatch.detector.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.reachwatch.avro.DisruptionCause;

/**
 * Everything the detector remembers about one {@link TrackerKey}: a target in a country or network,
 * or a region's connectivity. Stored in a state store between windows; public mutable fields keep
 * the (de)serialization trivial. {@link DisruptionTracker} owns the lifecycle fields,
 * {@link WindowJudge} the region volume and attribution fields.
 */
public final class TrackerState {
    /** Lifecycle stage. */
    public enum Stage { NORMAL, BLOCKED, PARTIAL, RESTORED }

    /** The transition a streak of windows points to. */
    public enum PendingStep { RESTORE, PARTIAL, REBLOCK }

    /** One phase of an incident. */
    public static final class Phase {
        public Stage stage;
        public long from;
        public Long to;
        public Double minAvailability;
        public Set<String> methods = new TreeSet<>();
    }

    /** One stretch of an incident during which the target was throttled (it may overlap the block's phases). */
    public static final class ThrottlePhase {
        public long from;
        public Long to;
        /** Lowest ratio of measured to expected speed seen in the stretch. */
        public Double minSpeedRatio;
    }

    /** Volume windows pooled until they hold enough expected probes to judge (small networks). */
    public record VolumePool(long windowStart, int volume, double expected, int probes) {
    }

    public String country;
    public String asn;
    public String target;

    /** Learned normal failure share (targets); unused by region trackers, which learn {@link #volume}. */
    public double baseline;
    public int baselineWindows;

    /** Thin windows pooled until they hold enough evidence. */
    public WindowObservation pool;

    /** Region trackers: the learned volume with its rhythm, and thin volume windows pooled. */
    public VolumeBaseline volume;
    public VolumePool volumePool;
    /**
     * Region trackers: start of the current darkness, null while the region is up. A network is dark
     * when its own volume collapsed; a country when its own evidence did (not only some networks).
     */
    public Long darkSince;

    /** Network target trackers: recent evidence and whether the network blocks the target now. */
    public NetworkAttribution.RecentEvidence recent;
    public boolean named;
    /** Failure share of the evidence that last named the network: its blocked level. */
    public double namedShare;

    /** Speed (throttling, {@link ThrottleTracker}): the learned normal speed, slow measurements pooled, the state. */
    public SpeedBaseline speed;
    /** Learned share of measurements slower than throttle.slow.ratio of the expected speed in normal windows. */
    public double slowBaseline;
    public int slowBaselineWindows;
    public WindowObservation speedPool;
    public boolean throttled;
    /** An incident opened or joined by a throttle that has not closed yet (the target may be neither blocked nor throttled now). */
    public boolean throttleOpen;
    public Long throttleEndedAt;
    /** A streak of windows pointing to a throttling change (onset while not throttled, end while throttled). */
    public int throttleStreak;
    public long throttleStreakSince;
    public List<ThrottlePhase> throttlePhases = new ArrayList<>();

    public Stage stage = Stage.NORMAL;
    public String incidentId;
    public long incidentStart;
    public DisruptionCause cause;
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

    /** A streak of observations pointing to one transition. */
    public PendingStep pendingKind;
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
        this.slowBaseline = prior;
    }

    public boolean inIncident() {
        return stage != Stage.NORMAL;
    }

    /** Starts a new incident {@code id} at {@code at}: nothing of the previous one is carried over. */
    public void beginIncident(String id, long at) {
        incidentId = id;
        incidentStart = at;
        reblocks = 0;
        blockedMillis = 0;
        phases.clear();
        methods.clear();
        throttlePhases.clear();
        everBlockedNetworks.clear();
    }

    /** An incident is open: blocked, partially restored or restored but not closed, or throttled or not closed after a throttle. */
    public boolean openIncident() {
        return inIncident() || throttleOpen;
    }

    /** Blocked or partially restored: the incident is not over. */
    public boolean disrupted() {
        return stage == Stage.BLOCKED || stage == Stage.PARTIAL;
    }
}
