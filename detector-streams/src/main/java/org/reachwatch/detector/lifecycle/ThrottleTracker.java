package org.reachwatch.detector.lifecycle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.EventType;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.lifecycle.TrackerState.ThrottlePhase;

/**
 * Throttling of one region and target, as plain Java: a target that is reachable but much slower than
 * it should be. Each window, every measurement with a download speed is judged against the speed
 * expected for it ({@link SpeedBaseline}: the controls measured in the same region and window times the
 * target's learned ratio to them, for that hour of day), and counted <i>slow</i> below
 * {@code throttle.slow.ratio} of it. The share of slow measurements then goes through the same test as
 * the failure share ({@link ShareTest}: sample size, distinct probes, likelihood ratio against a learned
 * baseline share, pooling of thin windows), with hysteresis: {@code throttle.confirm.windows} windows in
 * a row to start, {@code restore.windows} normal ones to end. Congestion that slows the controls as much
 * as the target moves the expected speed with it and is not throttling.
 *
 * <pre>
 *   not throttled --slow share significantly up x confirm windows--> THROTTLING_STARTED
 *   throttled --normal share x restore windows--> THROTTLING_ENDED
 * </pre>
 * A country-level throttle joins the incident its target is in (blocked, partially restored or restored
 * and not yet closed), or opens one of its own that a later block joins: one story per disruption.
 * Not thread-safe; one instance serves any number of {@link TrackerState}s.
 */
public final class ThrottleTracker {
    private static final List<String> METHODS = List.of("THROTTLING");

    private final DetectorSettings settings;

    public ThrottleTracker(DetectorSettings settings) {
        this.settings = settings;
    }

    /**
     * One window's speed evidence of one (region, target).
     *
     * @param slow            measurements judged slow
     * @param judged          measurements judged (those with a speed, once an expected speed is known)
     * @param probes          distinct probes behind them
     * @param logMedian       ln of the median speed of the window, null without speeds
     * @param logControl      ln of the median speed of the region's controls in the window, or null
     * @param logExpectedSum  ln of the expected speed, summed over the judged measurements
     */
    public record SpeedEvidence(long windowStart, long windowEnd, int slow, int judged, int probes, Double logMedian,
                                Double logControl, double logExpectedSum) {

        /** Judged measurements of other regions (a country's networks) added to this one's. */
        public SpeedEvidence plus(SpeedEvidence other) {
            return new SpeedEvidence(windowStart, windowEnd, slow + other.slow, judged + other.judged, probes + other.probes,
                    logMedian, logControl, logExpectedSum + other.logExpectedSum);
        }

        /** This window's own speeds, judged as {@code parts} (its networks) judged them. */
        public SpeedEvidence judgedAs(SpeedEvidence parts) {
            return new SpeedEvidence(windowStart, windowEnd, parts.slow, parts.judged, parts.probes, logMedian, logControl,
                    parts.logExpectedSum);
        }

        Double expected() {
            return judged == 0 ? null : Math.exp(logExpectedSum / judged);
        }
    }

    /**
     * Judges a window's speeds against what the tracker expects.
     *
     * @param speeds         the target's speeds in the window, bytes per second
     * @param controlSpeeds  the region's control speeds in the same window, or empty
     * @param probes         distinct probes that measured the target in the window
     */
    public SpeedEvidence evidence(TrackerState st, long windowStart, long windowEnd, List<Double> speeds,
                                  List<Double> controlSpeeds, int probes) {
        if (st.speed == null) {
            st.speed = new SpeedBaseline();
        }
        Double logMedian = logMedian(speeds);
        Double logControl = controlSpeeds.size() >= 2 ? logMedian(controlSpeeds) : null;
        Double expected = logMedian == null ? null : st.speed.expected(windowStart, logControl, settings.throttleWarmupWindows());
        if (expected == null) {
            return new SpeedEvidence(windowStart, windowEnd, 0, 0, probes, logMedian, logControl, 0);
        }
        double bar = settings.throttleSlowRatio() * expected;
        int slow = 0;
        for (double s : speeds) {
            if (s < bar) {
                slow++;
            }
        }
        return new SpeedEvidence(windowStart, windowEnd, slow, speeds.size(), speeds.isEmpty() ? 0 : probes, logMedian,
                logControl, speeds.size() * Math.log(expected));
    }

    /**
     * Feeds one window's evidence; returns the throttling steps it causes.
     *
     * @param availability the target's availability in the window (for the event), or null
     * @param suppress     the region is dark or out: its speeds say nothing, nothing starts or is learned
     * @param incident     whether throttling here opens or joins an incident (country level); a network's
     *                     tracker only records whether the network throttles
     */
    public List<LifecycleEvent> onWindow(TrackerState st, SpeedEvidence ev, Double availability, boolean suppress,
                                         boolean incident) {
        List<LifecycleEvent> events = new ArrayList<>();
        if (suppress) {
            st.speedPool = null;
            st.throttleStreak = 0;
            return events;
        }
        WindowObservation window = observation(ev);
        long poolSpan = settings.poolMaxWindows() * settings.windowMillis();
        boolean poolExpired = st.speedPool != null && ev.windowEnd() - st.speedPool.windowStart() > poolSpan;
        WindowObservation obs = st.speedPool == null || poolExpired ? window : st.speedPool.plus(window);
        boolean warm = st.slowBaselineWindows >= settings.warmupWindows();
        Verdict verdict = ShareTest.verdict(obs, st.slowBaseline, warm, settings);
        if (verdict == Verdict.NO_EVIDENCE) {
            st.speedPool = obs.conclusive() == 0 ? null : obs;
            if (!st.throttled && st.throttleStreak == 0 && ev.logMedian() != null && ev.slow() * 2 <= ev.judged()) {
                st.speed.learn(ev.windowStart(), ev.logMedian(), ev.logControl(), settings.baselineAlpha());
            }
            return events;
        }
        st.speedPool = null;
        double share = (double) obs.failures() / obs.conclusive();
        double confidence = ShareTest.confidence(ShareTest.llr(obs.failures(), obs.conclusive(), st.slowBaseline));
        Double ratio = ev.expected() == null || ev.logMedian() == null ? null : Math.exp(ev.logMedian()) / ev.expected();
        if (!st.throttled) {
            if (verdict == Verdict.BLOCKED) {
                if (st.throttleStreak++ == 0) {
                    st.throttleStreakSince = obs.windowStart();
                }
                if (st.throttleStreak >= settings.throttleConfirmWindows()) {
                    start(st, st.throttleStreakSince, obs, ev, availability, confidence, ratio, incident, events);
                }
                return events;
            }
            st.throttleStreak = 0;
            double effect = share - st.slowBaseline;
            if (verdict == Verdict.NORMAL || effect < settings.onsetMinEffect()) {
                double alpha = Math.max(settings.baselineAlpha(), 1.0 / (st.slowBaselineWindows + 2));
                st.slowBaseline += alpha * (share - st.slowBaseline);
                st.slowBaselineWindows++;
                if (verdict == Verdict.NORMAL && ev.logMedian() != null) {
                    st.speed.learn(ev.windowStart(), ev.logMedian(), ev.logControl(), settings.baselineAlpha());
                }
            }
            return events;
        }
        notePhase(st, ratio);
        if (verdict != Verdict.NORMAL) {
            st.throttleStreak = 0;
            return events;
        }
        if (st.throttleStreak++ == 0) {
            st.throttleStreakSince = obs.windowStart();
        }
        if (st.throttleStreak >= settings.restoreWindows()) {
            end(st, st.throttleStreakSince, obs, ev, availability, 1 - confidence, incident, events);
        }
        return events;
    }

    private void start(TrackerState st, long at, WindowObservation obs, SpeedEvidence ev, Double availability,
                       double confidence, Double ratio, boolean incident, List<LifecycleEvent> events) {
        st.throttleStreak = 0;
        st.throttled = true;
        st.throttleEndedAt = null;
        if (incident && !st.openIncident()) {
            st.beginIncident(DisruptionTracker.incidentId(st, at), at);
            st.cause = DisruptionCause.CENSORSHIP;
        }
        st.throttleOpen = incident;
        ThrottlePhase phase = new ThrottlePhase();
        phase.from = at;
        phase.minSpeedRatio = ratio;
        st.throttlePhases.add(phase);
        if (!incident) {
            return;
        }
        st.methods.add(METHODS.get(0));
        st.lastChangeAt = at;
        events.add(event(st, EventType.THROTTLING_STARTED, at, obs, ev, availability, confidence));
    }

    private void end(TrackerState st, long at, WindowObservation obs, SpeedEvidence ev, Double availability,
                     double confidence, boolean incident, List<LifecycleEvent> events) {
        st.throttleStreak = 0;
        st.throttled = false;
        st.throttleEndedAt = at;
        if (!st.throttlePhases.isEmpty()) {
            ThrottlePhase last = st.throttlePhases.get(st.throttlePhases.size() - 1);
            last.to = Math.max(at, last.from);
        }
        if (!incident) {
            st.throttlePhases.clear();
            return;
        }
        st.lastChangeAt = at;
        events.add(event(st, EventType.THROTTLING_ENDED, at, obs, ev, availability, confidence));
    }

    private static void notePhase(TrackerState st, Double ratio) {
        if (ratio == null || st.throttlePhases.isEmpty()) {
            return;
        }
        ThrottlePhase last = st.throttlePhases.get(st.throttlePhases.size() - 1);
        if (last.minSpeedRatio == null || ratio < last.minSpeedRatio) {
            last.minSpeedRatio = ratio;
        }
    }

    private static LifecycleEvent event(TrackerState st, EventType type, long at, WindowObservation obs, SpeedEvidence ev,
                                        Double availability, double confidence) {
        return new LifecycleEvent(type, st.incidentId, at, availability, 1 - st.baseline,
                st.cause == null ? DisruptionCause.CENSORSHIP : st.cause, METHODS, obs.conclusive(), obs.probes(), confidence,
                ev.logMedian() == null ? null : Math.exp(ev.logMedian()), ev.expected());
    }

    /** Slow measurements as the failures of an observation, so that {@link ShareTest} judges them. */
    private static WindowObservation observation(SpeedEvidence ev) {
        return new WindowObservation(ev.windowStart(), ev.windowEnd(), ev.judged() - ev.slow(), ev.slow(), 0, 0,
                ev.slow() == 0 ? Map.of() : Map.of(METHODS.get(0), ev.slow()), ev.probes());
    }

    /** ln of the median of {@code values}; null when empty. */
    static Double logMedian(List<Double> values) {
        if (values.isEmpty()) {
            return null;
        }
        double[] sorted = new double[values.size()];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = values.get(i);
        }
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        double median = sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return Math.log(Math.max(median, 1e-3));
    }
}
