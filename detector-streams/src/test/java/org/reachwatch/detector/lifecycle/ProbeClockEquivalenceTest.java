package org.reachwatch.detector.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/**
 * {@link ProbeClock} gives exactly what its first, plainly counting version gave ({@link ReferenceProbeClock},
 * kept here as the oracle), call by call, over seeded random sequences: fleets of 1 to 300 probes, any
 * quantile and minimum, short, long and even zero or negative horizons, restored start clocks, probes
 * running days ahead (or to 2099), late, repeated and tied reports, most of the fleet falling silent,
 * and forces.
 */
class ProbeClockEquivalenceTest {
    static final long T0 = Instant.parse("2024-02-17T20:00:00Z").toEpochMilli();
    static final long MINUTE = Duration.ofMinutes(1).toMillis();
    static final long HOUR = Duration.ofHours(1).toMillis();
    static final long DAY = Duration.ofDays(1).toMillis();
    static final long FAR = Instant.parse("2099-01-01T00:00:00Z").toEpochMilli();
    static final int SEQUENCES = 3000;

    /** How often each case arose over all sequences, so the generator is seen to reach them. */
    private final Map<String, Integer> seen = new TreeMap<>();

    @Test
    void everyCallGivesTheReferenceClockAndFleet() {
        for (long seed = 1; seed <= SEQUENCES; seed++) {
            runSequence(seed);
        }
        assertThat(seen).as("cases reached").containsKeys("observe moved the clock", "observe at the clock",
                "report ignored", "probe forgotten", "force moved the clock", "force at a probe's time",
                "clock stuck with most of the fleet silent", "restored start clock");
        assertThat(seen.get("observe moved the clock")).as("%s", seen).isGreaterThan(30_000);
        assertThat(seen.get("probe forgotten")).as("%s", seen).isGreaterThan(5_000);
        assertThat(seen.get("force moved the clock")).as("%s", seen).isGreaterThan(1_000);
    }

    private void runSequence(long seed) {
        Random r = new Random(seed);
        int fleet = 1 + r.nextInt(300);
        // Settings accept any quantile and minimum but only a positive horizon; the class itself checks none.
        double quantile = switch (r.nextInt(7)) {
            case 0 -> 0.75;
            case 1 -> 0.5;
            case 2 -> 0.95;
            case 3 -> 1.0;
            case 4 -> 0.0;
            case 5 -> r.nextBoolean() ? 1.5 : -0.5;
            default -> r.nextDouble();
        };
        int minProbes = r.nextInt(4) == 0 ? 2 : r.nextInt(12) - 1;
        long horizon = switch (r.nextInt(6)) {
            case 0 -> HOUR;
            case 1 -> 0;
            case 2 -> MINUTE * (1 + r.nextInt(30));
            case 3 -> DAY;
            case 4 -> -1 - r.nextInt((int) HOUR);
            default -> 1 + r.nextInt((int) (3 * HOUR));
        };
        boolean restored = r.nextInt(4) == 0;
        long start = restored ? T0 + r.nextInt((int) HOUR) - HOUR / 2 : Long.MIN_VALUE;
        if (restored) {
            count("restored start clock");
        }
        String context = "seed " + seed + " (fleet " + fleet + ", quantile " + quantile + ", minProbes " + minProbes
                + ", horizon " + horizon + ", start " + start + ")";
        ProbeClock clock = new ProbeClock(quantile, minProbes, horizon, start);
        ReferenceProbeClock reference = new ReferenceProbeClock(quantile, minProbes, horizon, start);

        long bulk = T0;
        int silentFrom = fleet;
        int steps = 50 + r.nextInt(400);
        for (int step = 0; step < steps; step++) {
            if (r.nextInt(200) == 0) {
                // Most of the fleet falls silent, or comes back.
                silentFrom = silentFrom == fleet ? Math.max(1, fleet / (2 + r.nextInt(6))) : fleet;
            }
            bulk += r.nextInt(4) == 0 ? 0 : r.nextInt((int) (2 * MINUTE));
            String probe = null;
            long t;
            long expected;
            long actual;
            if (r.nextInt(40) == 0) {
                t = forceTime(r, bulk, reference);
                long before = reference.time();
                expected = reference.force(t);
                actual = clock.force(t);
                if (expected > before) {
                    count("force moved the clock");
                }
                if (reference.times.containsKey(t)) {
                    count("force at a probe's time");
                }
            } else {
                // Now and then a probe never seen before: the fleet also changes.
                probe = "p" + (r.nextInt(20) == 0 ? fleet + r.nextInt(1000) : r.nextInt(silentFrom));
                t = observeTime(r, bulk, reference, probe);
                long before = reference.time();
                Long previous = reference.latest.get(probe);
                int active = reference.activeProbes();
                expected = reference.observe(probe, t);
                actual = clock.observe(probe, t);
                if (previous != null && previous >= t) {
                    count("report ignored");
                }
                if (expected > before) {
                    count("observe moved the clock");
                }
                if (t == before) {
                    count("observe at the clock");
                }
                if (reference.activeProbes() < active + (previous == null ? 1 : 0)) {
                    count("probe forgotten");
                }
                if (silentFrom < fleet && expected == before && t > before) {
                    count("clock stuck with most of the fleet silent");
                }
            }
            // Compared plainly, and described only on a difference: a million AssertJ chains take seconds.
            if (actual != expected || clock.time() != reference.time() || clock.activeProbes() != reference.activeProbes()) {
                String at = context + ", step " + step + ": " + (probe == null ? "force(" + t + ")" : "observe(" + probe + ", " + t + ")");
                assertThat(actual).as(at + " returned").isEqualTo(expected);
                assertThat(clock.time()).as(at + " time()").isEqualTo(reference.time());
                assertThat(clock.activeProbes()).as(at + " activeProbes()").isEqualTo(reference.activeProbes());
            }
        }
    }

    private static long observeTime(Random r, long bulk, ReferenceProbeClock reference, String probe) {
        long now = reference.time();
        Long latest = reference.latest.get(probe);
        return switch (r.nextInt(20)) {
            case 0 -> bulk + (1 + r.nextInt(40)) * DAY; // a probe running days ahead
            case 1 -> bulk + r.nextInt((int) (3 * HOUR)); // hours ahead
            case 2 -> bulk - r.nextInt((int) (2 * HOUR)); // late
            case 3 -> now == Long.MIN_VALUE ? bulk : now + r.nextInt(3) - 1; // at the clock, or beside it
            case 4 -> latest == null ? bulk : latest - r.nextInt(2); // a repeat, or older than its latest
            case 5 -> latest == null ? bulk : latest + 1;
            case 6 -> keyNear(r, reference.times, bulk); // tied with another probe
            case 7 -> r.nextInt(10) == 0 ? FAR : bulk; // a record dated 2099
            default -> bulk + r.nextInt((int) MINUTE) - MINUTE / 2;
        };
    }

    private static long forceTime(Random r, long bulk, ReferenceProbeClock reference) {
        long now = reference.time();
        return switch (r.nextInt(6)) {
            case 0 -> now == Long.MIN_VALUE ? bulk : now - r.nextInt(2); // moves nothing
            case 1 -> keyNear(r, reference.times, bulk);
            case 2 -> bulk + r.nextInt((int) (2 * HOUR)); // the end of a replay's input
            case 3 -> bulk + (1 + r.nextInt(3)) * DAY;
            default -> bulk - r.nextInt((int) (30 * MINUTE)); // another partition's clock, lagged
        };
    }

    private static long keyNear(Random r, NavigableMap<Long, Integer> times, long bulk) {
        Long key = r.nextBoolean() ? times.ceilingKey(bulk) : times.floorKey(bulk);
        return key == null ? bulk : key;
    }

    private void count(String what) {
        seen.merge(what, 1, Integer::sum);
    }

    /**
     * ProbeClock as it was before the amortized version (as of commit 75d4ad8), the same code but for its
     * name, visibility and comments: it counts the probes ahead of the clock from the top down at every
     * observation.
     */
    private static final class ReferenceProbeClock {
        private final double quantile;
        private final int minProbes;
        private final long horizon;
        final Map<String, Long> latest = new HashMap<>();
        private final Map<String, Long> heard = new HashMap<>();
        final NavigableMap<Long, Integer> times = new TreeMap<>();
        private long clock;
        private long lastEviction = Long.MIN_VALUE;

        ReferenceProbeClock(double quantile, int minProbes, long horizon, long start) {
            this.quantile = quantile;
            this.minProbes = minProbes;
            this.horizon = horizon;
            this.clock = start;
        }

        long observe(String probe, long t) {
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

        long force(long t) {
            if (t > clock) {
                clock = t;
                evict();
            }
            return clock;
        }

        long time() {
            return clock;
        }

        int activeProbes() {
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
                if (t < cutoff || e.getValue() < cutoff && t > clock + horizon) {
                    it.remove();
                    latest.remove(e.getKey());
                    times.computeIfPresent(t, (k, n) -> n == 1 ? null : n - 1);
                }
            }
        }
    }
}
