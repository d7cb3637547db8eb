package org.reachwatch.detector.lifecycle;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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

    /**
     * This observation without {@code part}'s measurements (a subset of it, such as the networks of
     * a country that are dark): counts subtracted, never below zero.
     */
    public WindowObservation minus(WindowObservation part) {
        Map<String, Integer> methods = new HashMap<>(failuresByMethod);
        part.failuresByMethod.forEach((k, v) -> methods.computeIfPresent(k, (key, n) -> n - v > 0 ? n - v : null));
        return new WindowObservation(windowStart, windowEnd, Math.max(0, reachable - part.reachable),
                Math.max(0, unreachable - part.unreachable), Math.max(0, siteDown - part.siteDown),
                Math.max(0, inconclusive - part.inconclusive), methods, Math.max(0, probes - part.probes));
    }

    /** The same counts dated from {@code start} (a block confirmed later, dated to its first window). */
    public WindowObservation from(long start) {
        return new WindowObservation(start, windowEnd, reachable, unreachable, siteDown, inconclusive, failuresByMethod, probes);
    }

    /** Blocking methods seen, most frequent first (ties by name), without NONE and UNKNOWN. */
    public List<String> methodsByCount() {
        return failuresByMethod.entrySet().stream()
                .filter(e -> e.getValue() > 0 && !e.getKey().equals("NONE") && !e.getKey().equals("UNKNOWN"))
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey)
                .toList();
    }

    /** The blocking method seen most often, ignoring NONE/UNKNOWN; null when there are none. */
    public String dominantMethod() {
        String best = null;
        int bestCount = 0;
        for (Map.Entry<String, Integer> e : new TreeMap<>(failuresByMethod).entrySet()) {
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
