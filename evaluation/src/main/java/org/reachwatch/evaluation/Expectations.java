package org.reachwatch.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The pass thresholds of a scenario (its {@code expect:} block); null = not checked. A delay
 * threshold fails when there are episodes but none was detected (no delay to measure).
 */
public record Expectations(Double minRecall, Double maxFalsePerRegionTargetWeek, Double maxMedianDelayMinutes,
                           Double maxP95DelayMinutes, Double maxIncidentsPerEpisode, Double minPhaseRecall,
                           Integer maxFalseOutages, Integer maxExtraSteps, Double minAttribution) {

    private static final Set<String> KEYS = Set.of("minRecall", "maxFalsePerRegionTargetWeek",
            "maxMedianDelayMinutes", "maxP95DelayMinutes", "maxIncidentsPerEpisode", "minPhaseRecall",
            "maxFalseOutages", "maxExtraSteps", "minAttribution");

    /** Nothing checked. */
    public static final Expectations NONE = new Expectations(null, null, null, null, null, null, null, null, null);

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
                num(map, "minAttribution"));
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
        delay(failures, "median delay minutes", s.medianDelayMinutes(), maxMedianDelayMinutes, s);
        delay(failures, "p95 delay minutes", s.p95DelayMinutes(), maxP95DelayMinutes, s);
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
        return failures;
    }

    private static void delay(List<String> failures, String name, double value, Double max, Score s) {
        if (max == null) {
            return;
        }
        if (Double.isNaN(value)) {
            if (s.episodes() > 0) {
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
