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
 * <p>A probe is forgotten once the clock has moved {@code horizon} past the moment it last reported
 * (what the clock read then, not the time it claimed), so memory follows the active fleet, and
 * probes that reported once far ahead (forty, each a day further, over a week) do not pile up into a
 * quarter of the fleet: each counts for one horizon of the bulk's progress, then is gone. When more than {@code quantile} of the probes fall silent at once (a shutdown of
 * most of the fleet), the rest cannot move the clock on their own: a trusted source must
 * ({@link #force}: the clock of other partitions, the end of a replay's input), after which the silent
 * probes are forgotten. The clock never goes back. Not thread-safe; one per stream task.
 */
public final class ProbeClock {
    private final double quantile;
    private final int minProbes;
    private final long horizon;
    private final Map<String, Long> latest = new HashMap<>();
    /** What the clock read when each probe last reported a new latest time. */
    private final Map<String, Long> heard = new HashMap<>();
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
        heard.put(probe, clock == Long.MIN_VALUE ? t : clock);
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
        if (clock != Long.MIN_VALUE && (lastEviction == Long.MIN_VALUE || clock - lastEviction > horizon / 4)) {
            evict();
        }
    }

    private void evict() {
        lastEviction = clock;
        long cutoff = clock - horizon;
        Iterator<Map.Entry<String, Long>> it = heard.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Long> e = it.next();
            Long t = latest.get(e.getKey());
            // Silent for a horizon, or reported once far ahead and not heard from since the bulk moved a horizon on.
            if (t < cutoff || e.getValue() < cutoff && t > clock + horizon) {
                it.remove();
                latest.remove(e.getKey());
                times.computeIfPresent(t, (k, n) -> n == 1 ? null : n - 1);
            }
        }
    }
}
