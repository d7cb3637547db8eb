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
 *
 * <p>Cost: amortized O(log n) per observation for n remembered probes. The clock only moves forward, so
 * rather than counting the probes ahead of it from the top down at every observation, it keeps how many
 * are at or after it and steps up through the distinct latest times, each passed at most once.
 * Eviction walks all remembered probes, once per quarter horizon of the clock's progress.
 */
public final class ProbeClock {
    private final double quantile;
    private final int minProbes;
    private final long horizon;
    private final Map<String, Probe> probes = new HashMap<>();
    /** How many remembered probes have each latest time. */
    private final NavigableMap<Long, Integer> times = new TreeMap<>();
    /** How many remembered probes have a latest time at or after the clock, and exactly at it. */
    private int atOrAbove;
    private int atClock;
    private long clock;
    private long lastEviction = Long.MIN_VALUE;

    /** A remembered probe: its latest time, and what the clock read when it reported it. */
    private static final class Probe {
        long latest;
        long heard;
    }

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
        Probe p = probes.get(probe);
        if (p == null) {
            p = new Probe();
            probes.put(probe, p);
        } else if (p.latest >= t) {
            return clock;
        } else {
            forget(p.latest);
        }
        p.latest = t;
        p.heard = clock == Long.MIN_VALUE ? t : clock;
        remember(t);
        if (t > clock) {
            advance();
        }
        return clock;
    }

    /** Moves the clock to at least {@code t} on trusted authority (other partitions' clocks, the end of input). */
    public long force(long t) {
        if (t > clock) {
            // Probes from the old clock up to t fall behind it. As in advance, the clock passes each time once.
            for (int n : times.subMap(clock, true, t, false).values()) {
                atOrAbove -= n;
            }
            clock = t;
            Integer here = times.get(t);
            atClock = here == null ? 0 : here;
            evict();
        }
        return clock;
    }

    public long time() {
        return clock;
    }

    /** Probes currently remembered. */
    public int activeProbes() {
        return probes.size();
    }

    /**
     * Moves the clock to the latest time after it that at least {@code needed} probes have reached, if
     * any: the probes past a time only fall as the time rises, so it steps up while the next time has enough.
     */
    private void advance() {
        int needed = (int) Math.min(probes.size(),
                Math.max(minProbes, Math.ceil((1 - quantile) * probes.size())));
        // atOrAbove - atClock probes are past the clock: at least one time past it when that is positive.
        while (atOrAbove - atClock >= needed) {
            Map.Entry<Long, Integer> next = times.higherEntry(clock);
            if (next == null) {
                break;
            }
            atOrAbove -= atClock;
            clock = next.getKey();
            atClock = next.getValue();
        }
        if (clock != Long.MIN_VALUE && (lastEviction == Long.MIN_VALUE || clock - lastEviction > horizon / 4)) {
            evict();
        }
    }

    private void evict() {
        lastEviction = clock;
        long cutoff = clock - horizon;
        Iterator<Probe> it = probes.values().iterator();
        while (it.hasNext()) {
            Probe p = it.next();
            long t = p.latest;
            // Silent for a horizon, or reported once far ahead and not heard from since the bulk moved a horizon on.
            if (t < cutoff || p.heard < cutoff && t > clock + horizon) {
                it.remove();
                forget(t);
            }
        }
    }

    private void remember(long t) {
        times.merge(t, 1, Integer::sum);
        if (t >= clock) {
            atOrAbove++;
            if (t == clock) {
                atClock++;
            }
        }
    }

    private void forget(long t) {
        times.computeIfPresent(t, (k, n) -> n == 1 ? null : n - 1);
        if (t >= clock) {
            atOrAbove--;
            if (t == clock) {
                atClock--;
            }
        }
    }
}
