package org.reachwatch.detector.lifecycle;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * An event-time clock that the bulk of probes moves, not the one furthest ahead. It remembers each
 * recently active probe's latest event time and reads as the latest time that at least
 * {@code k = max(minProbes, ceil((1 - quantile) x active probes))} probes have reached (never more
 * than the number of active probes): with the defaults (0.75, 2), a fleet of 25 needs 7 probes ahead
 * to move it, a lone probe still moves its own clock. A few probes with clocks ahead of the rest, or
 * hostile ones, therefore move nothing, and honest measurements are not made late by them.
 *
 * <p>Probes silent for longer than {@code horizon} behind the clock are forgotten, so memory follows
 * the active fleet. When more than {@code quantile} of the probes fall silent at once (a shutdown of
 * most of the fleet), the rest cannot move the clock on their own: a trusted source must
 * ({@link #force}: the clock of other partitions, the end of a replay's input), after which the silent
 * probes are forgotten. The clock never goes back. Not thread-safe; one per stream task.
 */
public final class ProbeClock {
    private final double quantile;
    private final int minProbes;
    private final long horizon;
    private final Map<String, Long> latest = new HashMap<>();
    /** How many active probes have each latest time. */
    private final NavigableMap<Long, Integer> times = new TreeMap<>();
    private long clock;
    private long lastEviction = Long.MIN_VALUE;

    /**
     * @param quantile  which quantile of the probes' latest times the clock follows (0.75)
     * @param minProbes probes that must be at least as far ahead as the clock, when the fleet has them
     * @param horizon   how long (ms of event time behind the clock) a silent probe still counts
     * @param start     the clock's initial value (a restored clock), or Long.MIN_VALUE
     */
    public ProbeClock(double quantile, int minProbes, long horizon, long start) {
        this.quantile = quantile;
        this.minProbes = minProbes;
        this.horizon = horizon;
        this.clock = start;
    }

    /** Notes that {@code probe} reported event time {@code t}; returns the clock afterwards. */
    public long observe(String probe, long t) {
        Long before = latest.get(probe);
        if (before != null && before >= t) {
            return clock;
        }
        latest.put(probe, t);
        if (before != null) {
            times.computeIfPresent(before, (k, n) -> n == 1 ? null : n - 1);
        }
        times.merge(t, 1, Integer::sum);
        if (t > clock) {
            advance();
        }
        return clock;
    }

    /** Moves the clock to at least {@code t} on trusted authority (other partitions' clocks, the end of input). */
    public long force(long t) {
        if (t > clock) {
            clock = t;
            evict();
        }
        return clock;
    }

    public long time() {
        return clock;
    }

    /** Probes currently remembered. */
    public int activeProbes() {
        return latest.size();
    }

    private void advance() {
        int needed = (int) Math.min(latest.size(),
                Math.max(minProbes, Math.ceil((1 - quantile) * latest.size())));
        int seen = 0;
        for (Map.Entry<Long, Integer> e : times.descendingMap().entrySet()) {
            if (e.getKey() <= clock) {
                break;
            }
            seen += e.getValue();
            if (seen >= needed) {
                clock = e.getKey();
                break;
            }
        }
        if (clock - lastEviction > horizon / 4) {
            evict();
        }
    }

    private void evict() {
        lastEviction = clock;
        long cutoff = clock - horizon;
        Iterator<Map.Entry<String, Long>> it = latest.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Long> e = it.next();
            if (e.getValue() < cutoff) {
                it.remove();
            }
        }
        times.headMap(cutoff, false).clear();
    }
}
