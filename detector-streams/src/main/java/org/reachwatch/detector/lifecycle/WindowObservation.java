package org.reachwatch.detector.lifecycle;

import java.util.HashMap;
import java.util.Map;

/**
 * Counts of one closed window (or of several thin windows pooled together) for one region and
 * target. {@code failuresByMethod} is keyed by BlockingMethod name. {@code probes} counts distinct
 * probes of one window; for a pool it is the largest count of its windows (a lower bound: one probe
 * reporting for an hour must not pass for several, see DESIGN.md).
 */
public record WindowObservation(long windowStart, long windowEnd, int reachable, int unreachable, int siteDown,
                                int inconclusive, Map<String, Integer> failuresByMethod, int probes) {

    public static WindowObservation empty(long windowStart, long windowEnd) {
        return new WindowObservation(windowStart, windowEnd, 0, 0, 0, 0, Map.of(), 0);
    }

    /** Conclusive measurements: the sample size of the share test. */
    public int conclusive() {
        return reachable + unreachable + siteDown;
    }

    public int failures() {
        return unreachable + siteDown;
    }

    /** Share of conclusive measurements that reached the target; null without conclusive data. */
    public Double availability() {
        int n = conclusive();
        return n == 0 ? null : (double) reachable / n;
    }

    /** This observation followed by {@code later}: spans both, counts added. */
    public WindowObservation plus(WindowObservation later) {
        Map<String, Integer> methods = new HashMap<>(failuresByMethod);
        later.failuresByMethod.forEach((k, v) -> methods.merge(k, v, Integer::sum));
        return new WindowObservation(windowStart, later.windowEnd, reachable + later.reachable,
                unreachable + later.unreachable, siteDown + later.siteDown, inconclusive + later.inconclusive,
                methods, Math.max(probes, later.probes));
    }

    /** The blocking method seen most often, ignoring NONE/UNKNOWN; null when there are none. */
    public String dominantMethod() {
        String best = null;
        int bestCount = 0;
        for (Map.Entry<String, Integer> e : new java.util.TreeMap<>(failuresByMethod).entrySet()) {
            if (e.getKey().equals("NONE") || e.getKey().equals("UNKNOWN")) {
                continue;
            }
            if (e.getValue() > bestCount) {
                best = e.getKey();
                bestCount = e.getValue();
            }
        }
        return best;
    }
}
