package org.reachwatch.alerts;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter: before retry {@code n} (1 = the first retry) the ceiling is
 * {@code min(max, initial * 2^(n-1))} and the wait is drawn uniformly from [ceiling/2, ceiling]
 * ("equal jitter"): never less than half the ceiling, so a struggling receiver gets room, and spread
 * so that many senders restarted together do not retry in step.
 */
public record Backoff(Duration initial, Duration max, RandomGenerator random) {
    public Backoff {
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial backoff must be positive, got " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("maximum backoff " + max + " is below the initial " + initial);
        }
    }

    public Backoff(Duration initial, Duration max) {
        this(initial, max, RandomGenerator.getDefault());
    }

    /** The wait before retry {@code retry} (1-based). */
    public Duration delay(int retry) {
        return jittered(ceiling(retry));
    }

    /** The ceiling before retry {@code retry}: {@code min(max, initial * 2^(retry-1))}. */
    public Duration ceiling(int retry) {
        long cap = max.toMillis();
        long ceiling = initial.toMillis();
        for (int i = 1; i < retry && ceiling < cap; i++) {
            ceiling *= 2;
        }
        return Duration.ofMillis(Math.min(ceiling, cap));
    }

    private Duration jittered(Duration ceiling) {
        long c = ceiling.toMillis();
        long half = c / 2;
        return Duration.ofMillis(half + (c - half == 0 ? 0 : random.nextLong(c - half + 1)));
    }
}
