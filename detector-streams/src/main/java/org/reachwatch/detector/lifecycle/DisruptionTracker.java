package org.reachwatch.detector.lifecycle;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.EventType;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.lifecycle.TrackerState.PendingStep;
import org.reachwatch.detector.lifecycle.TrackerState.Phase;
import org.reachwatch.detector.lifecycle.TrackerState.Stage;

/**
 * The disruption lifecycle of one region and target, as plain Java: fed one closed window at a
 * time (in event-time order), it returns the lifecycle events that window causes.
 *
 * <pre>
 *   NORMAL --BLOCKED verdict--> BLOCKED --(INTERMEDIATE | shallower | some networks back) x partialWindows--> PARTIAL
 *   BLOCKED/PARTIAL --NORMAL x restoreWindows--> RESTORED --BLOCKED verdict--> BLOCKED (REBLOCKED, same incident)
 *   PARTIAL --deep BLOCKED x partialWindows--> BLOCKED (REBLOCKED)
 *   RESTORED --linking horizon of event time--> NORMAL (INCIDENT_CLOSED, with summary)
 * </pre>
 * Windows without enough evidence are pooled (for at most pool.max.windows of event time) and never
 * start or end anything; streaks survive them. Windows without any data need not be fed at all,
 * except to let a restored incident close ({@link #closeAfterHorizon}). Not thread-safe; one instance serves any number of {@link TrackerState}s.
 */
public final class DisruptionTracker {
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** How many windows a suggestive rise may be pooled before it must stand on its own. */
    static final int ONSET_POOL_WINDOWS = 3;
    /** Log-likelihood ratio a drop below the blocked share needs to count as a partial restoration. */
    static final double PARTIAL_LLR = 4;
    /**
     * Log-likelihood ratio of a drop below the blocked share that must back up networks coming back: a
     * network's own return, judged on its few measurements, is not enough when the country's share has
     * not moved (a block that hits 30 % of everyone's measurements has networks look back by chance).
     */
    static final double PARTIAL_SUPPORT_LLR = 2;

    private final DetectorSettings settings;

    public DisruptionTracker(DetectorSettings settings) {
        this.settings = settings;
    }

    public TrackerState newState(String country, String asn, String target) {
        return new TrackerState(country, asn, target, settings.baselinePrior());
    }

    /** Feeds one closed window (possibly empty) of a (region, target). */
    public List<LifecycleEvent> onWindow(TrackerState st, WindowObservation window, WindowContext ctx) {
        List<LifecycleEvent> events = new ArrayList<>();
        if (ctx.suppressOnset() && !st.inIncident()) {
            // The region is out: what its few measurements say is about the outage, not this target.
            // Nothing of it is pooled (it would start a block the moment the region comes back) or learned.
            st.pool = null;
            return events;
        }
        long poolSpan = settings.poolMaxWindows() * settings.windowMillis();
        boolean poolExpired = st.pool != null && window.windowEnd() - st.pool.windowStart() > poolSpan;
        WindowObservation pool = st.pool == null || poolExpired || pointsElsewhere(st, st.pool, window)
                ? window : st.pool.plus(window);
        Verdict verdict = ShareTest.verdict(pool, st.baseline, st.baselineWindows >= settings.warmupWindows(), settings);
        double share = pool.conclusive() == 0 ? 0 : (double) pool.failures() / pool.conclusive();
        double depth = share - st.baseline;
        if (verdict == Verdict.NORMAL && st.inIncident() && ctx.stillBlocking()) {
            verdict = Verdict.INTERMEDIATE; // back to baseline on the whole, but some network still blocks
        }
        if (ctx.networkOnset() != null && !ctx.suppressOnset() && verdict != Verdict.BLOCKED
                && (st.stage == Stage.NORMAL || st.stage == Stage.RESTORED)) {
            // A block confined to some networks: their own trackers confirmed it, the country share hides it.
            st.pool = null;
            WindowObservation dated = pool.from(Math.min(ctx.networkOnset(), pool.windowStart()));
            advance(st, dated, Verdict.BLOCKED, ShareTest.confidence(ShareTest.llr(pool.failures(), pool.conclusive(),
                    st.baseline)), ctx, events);
            closeAfterHorizon(st, window.windowEnd(), events);
            return events;
        }
        boolean suggestive = verdict == Verdict.INTERMEDIATE && st.stage == Stage.NORMAL && depth >= settings.onsetMinEffect()
                && window.windowEnd() - pool.windowStart() < ONSET_POOL_WINDOWS * settings.windowMillis();
        if (verdict == Verdict.NO_EVIDENCE || suggestive) {
            // Thin evidence waits for more, but never longer than pool.max.windows of event time; a
            // suggestive but not yet significant rise is pooled with the next windows (a CUSUM-like
            // accumulation), so a 30 % block seen by few probes is still found, dated to its first window.
            st.pool = pool.conclusive() == 0 && pool.probes() == 0 ? null : pool;
        } else {
            st.pool = null;
            double llr = ShareTest.llr(pool.failures(), pool.conclusive(), st.baseline);
            advance(st, pool, verdict, ShareTest.confidence(llr), ctx, events);
            if (learnsBaseline(st, verdict, depth)) {
                double alpha = Math.max(settings.baselineAlpha(), 1.0 / (st.baselineWindows + 2));
                st.baseline += alpha * (share - st.baseline);
                st.baselineWindows++;
            }
        }
        closeAfterHorizon(st, window.windowEnd(), events);
        return events;
    }

    /**
     * Whether a window contradicts the pool it would join, each on evidence of its own: one at the
     * baseline and the other significantly above it. Pooling them would date a block to clean windows
     * before it (or a restoration to blocked ones), so the pool starts again from the new window, as a
     * CUSUM restarts at zero. Windows of a few measurements (OONI volume) never restart a pool: mixing
     * is what pooling them is for.
     */
    private boolean pointsElsewhere(TrackerState st, WindowObservation pool, WindowObservation window) {
        int enough = Math.max(3, settings.minSamples() / 3);
        if (pool.conclusive() < enough || window.conclusive() < enough) {
            return false;
        }
        double before = (double) pool.failures() / pool.conclusive() - st.baseline;
        double now = (double) window.failures() / window.conclusive() - st.baseline;
        return before <= settings.normalMargin() && now >= settings.onsetMinEffect()
                && ShareTest.llr(window.failures(), window.conclusive(), st.baseline) >= settings.attributionLlr()
                || before >= settings.onsetMinEffect() && now <= settings.normalMargin()
                && ShareTest.llr(window.reachable(), window.conclusive(), 1 - st.baseline - before) >= settings.attributionLlr();
    }

    /** Incident windows never teach the baseline; mild elevations do, so flaky sites are learned. */
    private boolean learnsBaseline(TrackerState st, Verdict verdict, double depth) {
        if (st.stage == Stage.BLOCKED || st.stage == Stage.PARTIAL) {
            return false;
        }
        boolean warmingUp = st.baselineWindows < settings.warmupWindows();
        return verdict == Verdict.NORMAL
                || verdict == Verdict.INTERMEDIATE && (warmingUp || depth < settings.onsetMinEffect());
    }

    /**
     * Moves the lifecycle for one conclusive observation whose verdict is already known. Region
     * trackers (volume collapse) call this directly with their own verdict.
     */
    public void advance(TrackerState st, WindowObservation obs, Verdict verdict, double confidence,
                        WindowContext ctx, List<LifecycleEvent> events) {
        st.lastAvailability = obs.availability();
        if (st.inIncident()) {
            notePhaseAvailability(st, obs);
        }
        switch (st.stage) {
            case NORMAL -> {
                if (verdict == Verdict.BLOCKED && !ctx.suppressOnset()) {
                    if (!st.throttleOpen) {
                        st.beginIncident(incidentId(st, obs.windowStart()), obs.windowStart());
                    } // else: a block after (or during) a throttle is the same story, in the same incident
                    st.cause = cause(obs, ctx);
                    st.blockedFailures = obs.failures();
                    st.blockedTotal = obs.conclusive();
                    st.method = obs.dominantMethod();
                    st.everBlockedNetworks.addAll(ctx.blockedNetworks());
                    clearPending(st);
                    transition(st, Stage.BLOCKED, obs.windowStart(), obs);
                    events.add(event(st, EventType.DISRUPTION_STARTED, obs.windowStart(), obs, confidence));
                }
            }
            case BLOCKED -> {
                st.everBlockedNetworks.addAll(ctx.blockedNetworks());
                if (verdict == Verdict.NORMAL) {
                    if (streak(st, PendingStep.RESTORE, obs) >= settings.restoreWindows()) {
                        restore(st, obs, confidence, events);
                    }
                } else if (significantlyBelowBlocked(st, obs) || someNetworksBack(st, obs, ctx)) {
                    if (streak(st, PendingStep.PARTIAL, obs) >= settings.partialWindows()) {
                        long at = st.pendingSince;
                        clearPending(st);
                        transition(st, Stage.PARTIAL, at, obs);
                        events.add(event(st, EventType.PARTIAL_RESTORATION, at, obs, confidence));
                    }
                    methodChange(st, obs, confidence, events);
                } else {
                    clearPending(st);
                    if (verdict == Verdict.BLOCKED) {
                        st.blockedFailures += obs.failures();
                        st.blockedTotal += obs.conclusive();
                    }
                    methodChange(st, obs, confidence, events);
                }
            }
            case PARTIAL -> {
                if (verdict == Verdict.NORMAL) {
                    if (streak(st, PendingStep.RESTORE, obs) >= settings.restoreWindows()) {
                        restore(st, obs, confidence, events);
                    }
                } else if (verdict == Verdict.BLOCKED && share(obs) >= settings.reblockDepthRatio() * blockedShare(st)
                        && !significantlyBelowBlocked(st, obs) && !someNetworksBack(st, obs, ctx)) {
                    if (streak(st, PendingStep.REBLOCK, obs) >= settings.partialWindows()) {
                        long at = st.pendingSince;
                        clearPending(st);
                        st.reblocks++;
                        transition(st, Stage.BLOCKED, at, obs);
                        events.add(event(st, EventType.REBLOCKED, at, obs, confidence));
                    }
                } else {
                    clearPending(st);
                    methodChange(st, obs, confidence, events);
                }
            }
            case RESTORED -> {
                if (verdict == Verdict.BLOCKED && !ctx.suppressOnset()) {
                    st.reblocks++;
                    st.blockedFailures = obs.failures();
                    st.blockedTotal = obs.conclusive();
                    st.method = obs.dominantMethod();
                    st.everBlockedNetworks.addAll(ctx.blockedNetworks());
                    clearPending(st);
                    transition(st, Stage.BLOCKED, obs.windowStart(), obs);
                    events.add(event(st, EventType.REBLOCKED, obs.windowStart(), obs, confidence));
                }
            }
        }
    }

    /** Closes a restored incident once it has stayed restored for the whole linking horizon. */
    public void closeAfterHorizon(TrackerState st, long streamTime, List<LifecycleEvent> events) {
        if (st.throttled) {
            return; // still slowed down: the incident goes on
        }
        long calmSince;
        if (st.stage == Stage.RESTORED) {
            calmSince = st.throttleOpen && st.throttleEndedAt != null ? Math.max(st.restoredAt, st.throttleEndedAt) : st.restoredAt;
        } else if (st.stage == Stage.NORMAL && st.throttleOpen && st.throttleEndedAt != null) {
            calmSince = st.throttleEndedAt; // an incident of throttling alone
        } else {
            return;
        }
        long closeAt = calmSince + settings.linkingHorizon().toMillis();
        if (streamTime < closeAt) {
            return;
        }
        closePhase(st, closeAt);
        st.lastChangeAt = closeAt;
        st.throttleOpen = false;
        events.add(new LifecycleEvent(EventType.INCIDENT_CLOSED, st.incidentId, closeAt, st.lastAvailability,
                1 - st.baseline, st.cause, List.copyOf(st.methods), 0, 0, 1.0));
        st.stage = Stage.NORMAL;
    }

    private void restore(TrackerState st, WindowObservation obs, double confidence, List<LifecycleEvent> events) {
        long at = st.pendingSince;
        clearPending(st);
        st.restoredAt = at;
        transition(st, Stage.RESTORED, at, obs);
        events.add(event(st, EventType.RESTORED, at, obs, 1 - confidence));
    }

    private void methodChange(TrackerState st, WindowObservation obs, double confidence, List<LifecycleEvent> events) {
        if (share(obs) - st.baseline < settings.onsetMinEffect()) {
            return; // too few failures above the background for their method to be the block's
        }
        String dominant = obs.dominantMethod();
        if (dominant != null) {
            st.methods.add(dominant);
        }
        if (dominant == null || st.method == null || dominant.equals(st.method)) {
            if (st.method == null) {
                st.method = dominant;
            }
            st.pendingMethod = null;
            st.pendingMethodCount = 0;
            return;
        }
        if (dominant.equals(st.pendingMethod)) {
            st.pendingMethodCount++;
        } else {
            st.pendingMethod = dominant;
            st.pendingMethodSince = obs.windowStart();
            st.pendingMethodCount = 1;
        }
        if (st.pendingMethodCount >= settings.methodChangeWindows()) {
            st.method = dominant;
            st.pendingMethod = null;
            st.pendingMethodCount = 0;
            events.add(event(st, EventType.METHOD_CHANGED, st.pendingMethodSince, obs, confidence));
        }
    }

    private static double share(WindowObservation obs) {
        return obs.conclusive() == 0 ? 0 : (double) obs.failures() / obs.conclusive();
    }

    /** Failure share while fully blocked, pooled over the incident's blocked windows. */
    private static double blockedShare(TrackerState st) {
        return st.blockedTotal == 0 ? 1 : (double) st.blockedFailures / st.blockedTotal;
    }

    /**
     * Availability came back part of the way: the failure share is below partial.depth.ratio of the
     * blocked share above baseline, and significantly so (a lower-tail likelihood-ratio test against
     * the blocked share), so sampling noise inside a steady partial block is not a "restoration".
     */
    private boolean significantlyBelowBlocked(TrackerState st, WindowObservation obs) {
        double blocked = blockedShare(st);
        double share = share(obs);
        double threshold = st.baseline + settings.partialDepthRatio() * (blocked - st.baseline);
        if (share >= threshold) {
            return false;
        }
        return ShareTest.llr(obs.conclusive() - obs.failures(), obs.conclusive(), 1 - blocked) >= PARTIAL_LLR;
    }

    private static boolean someNetworksBack(TrackerState st, WindowObservation obs, WindowContext ctx) {
        if (ctx.blockedNetworks().isEmpty() || ctx.normalNetworks().stream().noneMatch(st.everBlockedNetworks::contains)) {
            return false;
        }
        double blocked = blockedShare(st);
        return share(obs) < blocked
                && ShareTest.llr(obs.conclusive() - obs.failures(), obs.conclusive(), 1 - blocked) >= PARTIAL_SUPPORT_LLR;
    }

    private static int streak(TrackerState st, PendingStep kind, WindowObservation obs) {
        if (kind != st.pendingKind) {
            st.pendingKind = kind;
            st.pendingSince = obs.windowStart();
            st.pendingCount = 0;
        }
        return ++st.pendingCount;
    }

    private static void clearPending(TrackerState st) {
        st.pendingKind = null;
        st.pendingCount = 0;
    }

    private static void transition(TrackerState st, Stage stage, long at, WindowObservation obs) {
        closePhase(st, at);
        Phase phase = new Phase();
        phase.stage = stage;
        phase.from = at;
        phase.minAvailability = obs.availability();
        String dominant = obs.dominantMethod();
        if (dominant != null && stage != Stage.RESTORED) {
            phase.methods.add(dominant);
            st.methods.add(dominant);
        }
        st.phases.add(phase);
        st.stage = stage;
        st.lastChangeAt = at;
    }

    private static void closePhase(TrackerState st, long at) {
        if (st.phases.isEmpty()) {
            return;
        }
        Phase last = st.phases.get(st.phases.size() - 1);
        if (last.to == null) {
            last.to = Math.max(at, last.from);
            if (last.stage == Stage.BLOCKED || last.stage == Stage.PARTIAL) {
                st.blockedMillis += last.to - last.from;
            }
        }
    }

    private static void notePhaseAvailability(TrackerState st, WindowObservation obs) {
        if (st.phases.isEmpty() || obs.availability() == null) {
            return;
        }
        Phase last = st.phases.get(st.phases.size() - 1);
        if (last.minAvailability == null || obs.availability() < last.minAvailability) {
            last.minAvailability = obs.availability();
        }
        String dominant = obs.dominantMethod();
        if (dominant != null && last.stage != Stage.RESTORED) {
            last.methods.add(dominant);
        }
    }

    private static DisruptionCause cause(WindowObservation obs, WindowContext ctx) {
        if (ctx.serviceOutage() || obs.siteDown() > obs.unreachable()) {
            return DisruptionCause.SERVICE_OUTAGE;
        }
        if (ctx.networkOutage()) {
            return DisruptionCause.NETWORK_OUTAGE;
        }
        return DisruptionCause.CENSORSHIP;
    }

    private LifecycleEvent event(TrackerState st, EventType type, long at, WindowObservation obs, double confidence) {
        return new LifecycleEvent(type, st.incidentId, at, obs.availability(), 1 - st.baseline,
                st.cause, obs.methodsByCount(), obs.conclusive(), obs.probes(),
                confidence);
    }

    /** Deterministic and readable: {@code PK-x.com-20240217T2000Z}, {@code PK-AS17557-x.com-...}. */
    static String incidentId(TrackerState st, long onset) {
        return st.country + "-" + (st.asn == null ? "" : st.asn + "-") + st.target + "-" + ID_TIME.format(Instant.ofEpochMilli(onset));
    }

    /** A time as ids write it, to the minute: {@code 20240217T2000Z}. */
    static String idTime(long at) {
        return ID_TIME.format(Instant.ofEpochMilli(at));
    }

    /** Deterministic: the incident, the kind of step and its event time. */
    public static String eventId(String incidentId, EventType type, long at) {
        return incidentId + "/" + type + "/" + ID_TIME.format(Instant.ofEpochMilli(at));
    }
}
