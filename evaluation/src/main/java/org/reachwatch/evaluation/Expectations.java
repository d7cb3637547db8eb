package org.reachwatch.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The pass thresholds of a scenario (its {@code expect:} block); null = not checked. A delay
 * threshold fails when there are episodes but none was detected (no delay to measure).
 *
 * <p>Block keys, against the block figures of {@link Score}: {@code minRecall},
 * {@code maxFalsePerRegionTargetWeek}, {@code maxMedianDelayMinutes}, {@code maxP95DelayMinutes},
 * {@code maxIncidentsPerEpisode}, {@code minPhaseRecall}, {@code maxFalseOutages}, {@code maxExtraSteps},
 * {@code minAttribution}. Throttling keys, against {@link ThrottleScore}: {@code minThrottleRecall}
 * (share of throttling episodes detected), {@code maxFalseThrottling} (THROTTLING_STARTED events with no
 * episode), {@code maxThrottleMedianDelayMinutes} and {@code maxThrottleP95DelayMinutes} (episode start
 * to detection), {@code minThrottleEndRecall} (share of episodes whose last lift is reported by a
 * THROTTLING_ENDED), {@code maxThrottleExtraSteps} (a second start or a premature end inside an episode)
 * and {@code minThrottleAttribution} (share of THROTTLING_STARTED events naming exactly the throttling
 * networks; fails when there are episodes but no such event to score).
 */
public record Expectations(Double minRecall, Double maxFalsePerRegionTargetWeek, Double maxMedianDelayMinutes,
                           Double maxP95DelayMinutes, Double maxIncidentsPerEpisode, Double minPhaseRecall,
                           Integer maxFalseOutages, Integer maxExtraSteps, Double minAttribution,
                           Double minThrottleRecall, Integer maxFalseThrottling, Double maxThrottleMedianDelayMinutes,
                           Double maxThrottleP95DelayMinutes, Double minThrottleEndRecall, Integer maxThrottleExtraSteps,
                           Double minThrottleAttribution) {

    private static final Set<String> KEYS = Set.of("minRecall", "maxFalsePerRegionTargetWeek",
            "maxMedianDelayMinutes", "maxP95DelayMinutes", "maxIncidentsPerEpisode", "minPhaseRecall",
            "maxFalseOutages", "maxExtraSteps", "minAttribution", "minThrottleRecall", "maxFalseThrottling",
            "maxThrottleMedianDelayMinutes", "maxThrottleP95DelayMinutes", "minThrottleEndRecall",
            "maxThrottleExtraSteps", "minThrottleAttribution");

    /** Nothing checked. */
    public static final Expectations NONE = new Expectations(null, null, null, null, null, null, null, null, null);

    /** Block thresholds only; no throttling threshold checked. */
    public Expectations(Double minRecall, Double maxFalsePerRegionTargetWeek, Double maxMedianDelayMinutes,
                        Double maxP95DelayMinutes, Double maxIncidentsPerEpisode, Double minPhaseRecall,
                        Integer maxFalseOutages, Integer maxExtraSteps, Double minAttribution) {
        this(minRecall, maxFalsePerRegionTargetWeek, maxMedianDelayMinutes, maxP95DelayMinutes, maxIncidentsPerEpisode,
                minPhaseRecall, maxFalseOutages, maxExtraSteps, minAttribution, null, null, null, null, null, null, null);
    }

    /** From the {@code expect:} map; an unknown key or a non-number fails naming it. */
    public static Expectations fromMap(Map<String, ?> map) {
        for (Map.Entry<String, ?> e : map.entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                throw new IllegalArgumentException("unknown expectation '" + e.getKey() + "', known: " + KEYS);
            }
            if (e.getValue() != null && !(e.getValue() instanceof Number)) {
                throw new IllegalArgumentException("expectation '" + e.getKey() + "' must be a number: " + e.getValue());
            }
        }
        return new Expectations(num(map, "minRecall"), num(map, "maxFalsePerRegionTargetWeek"),
                num(map, "maxMedianDelayMinutes"), num(map, "maxP95DelayMinutes"), num(map, "maxIncidentsPerEpisode"),
                num(map, "minPhaseRecall"), count(map, "maxFalseOutages"), count(map, "maxExtraSteps"),
                num(map, "minAttribution"), num(map, "minThrottleRecall"), count(map, "maxFalseThrottling"),
                num(map, "maxThrottleMedianDelayMinutes"), num(map, "maxThrottleP95DelayMinutes"),
                num(map, "minThrottleEndRecall"), count(map, "maxThrottleExtraSteps"), num(map, "minThrottleAttribution"));
    }

    private static Integer count(Map<String, ?> map, String key) {
        Double v = num(map, key);
        return v == null ? null : v.intValue();
    }

    private static Double num(Map<String, ?> map, String key) {
        Object v = map.get(key);
        return v == null ? null : ((Number) v).doubleValue();
    }

    /** Failure messages, one per unmet threshold; empty = pass. */
    public List<String> check(Score s) {
        List<String> failures = new ArrayList<>();
        if (minRecall != null && s.recall() < minRecall) {
            failures.add(msg("recall", s.recall(), ">=", minRecall));
        }
        if (maxFalsePerRegionTargetWeek != null && s.falsePerRegionTargetWeek() > maxFalsePerRegionTargetWeek) {
            failures.add(msg("false incidents per region-target-week", s.falsePerRegionTargetWeek(), "<=",
                    maxFalsePerRegionTargetWeek) + " (" + s.falseIncidents() + " false incidents)");
        }
        delay(failures, "median delay minutes", s.medianDelayMinutes(), maxMedianDelayMinutes, s.episodes());
        delay(failures, "p95 delay minutes", s.p95DelayMinutes(), maxP95DelayMinutes, s.episodes());
        if (maxIncidentsPerEpisode != null && s.incidentsPerEpisode() > maxIncidentsPerEpisode) {
            failures.add(msg("incidents per episode", s.incidentsPerEpisode(), "<=", maxIncidentsPerEpisode));
        }
        if (minPhaseRecall != null && s.phaseRecall() < minPhaseRecall) {
            failures.add(msg("phase recall", s.phaseRecall(), ">=", minPhaseRecall)
                    + " (" + s.detectedPhases() + " of " + s.phases() + " phases)");
        }
        if (maxFalseOutages != null && s.falseOutages() > maxFalseOutages) {
            failures.add(msg("false outage incidents", s.falseOutages(), "<=", maxFalseOutages));
        }
        if (maxExtraSteps != null && s.extraSteps() > maxExtraSteps) {
            failures.add(msg("extra lifecycle steps", s.extraSteps(), "<=", maxExtraSteps));
        }
        if (minAttribution != null) {
            if (Double.isNaN(s.attribution())) {
                failures.add("network attribution: no event to score, expected >= " + minAttribution);
            } else if (s.attribution() < minAttribution) {
                failures.add(msg("network attribution", s.attribution(), ">=", minAttribution)
                        + " (" + s.attributedEvents() + " of " + s.attributionEvents() + " events)");
            }
        }
        checkThrottling(failures, s.throttling());
        return failures;
    }

    private void checkThrottling(List<String> failures, ThrottleScore t) {
        if (minThrottleRecall != null && t.recall() < minThrottleRecall) {
            failures.add(msg("throttle recall", t.recall(), ">=", minThrottleRecall)
                    + " (" + t.detectedEpisodes() + " of " + t.episodes() + " throttling episodes)");
        }
        if (maxFalseThrottling != null && t.falseThrottling() > maxFalseThrottling) {
            failures.add(msg("false throttling", t.falseThrottling(), "<=", maxFalseThrottling));
        }
        delay(failures, "throttle median delay minutes", t.medianDelayMinutes(), maxThrottleMedianDelayMinutes, t.episodes());
        delay(failures, "throttle p95 delay minutes", t.p95DelayMinutes(), maxThrottleP95DelayMinutes, t.episodes());
        if (minThrottleEndRecall != null && t.endRecall() < minThrottleEndRecall) {
            failures.add(msg("throttle end recall", t.endRecall(), ">=", minThrottleEndRecall)
                    + " (" + t.endsReported() + " of " + t.episodes() + " ends reported)");
        }
        if (maxThrottleExtraSteps != null && t.extraSteps() > maxThrottleExtraSteps) {
            failures.add(msg("throttle extra steps", t.extraSteps(), "<=", maxThrottleExtraSteps));
        }
        if (minThrottleAttribution != null) {
            if (Double.isNaN(t.attribution())) {
                if (t.episodes() > 0) {
                    failures.add("throttling networks: no THROTTLING_STARTED to score, expected >= " + minThrottleAttribution);
                }
            } else if (t.attribution() < minThrottleAttribution) {
                failures.add(msg("throttling networks", t.attribution(), ">=", minThrottleAttribution)
                        + " (" + t.attributedEvents() + " of " + t.attributionEvents() + " events)");
            }
        }
    }

    private static void delay(List<String> failures, String name, double value, Double max, int episodes) {
        if (max == null) {
            return;
        }
        if (Double.isNaN(value)) {
            if (episodes > 0) {
                failures.add(name + ": no episode detected, expected <= " + max);
            }
        } else if (value > max) {
            failures.add(msg(name, value, "<=", max));
        }
    }

    private static String msg(String name, double value, String op, double limit) {
        return String.format(Locale.ROOT, "%s %.3f, expected %s %.3f", name, value, op, limit);
    }
}
