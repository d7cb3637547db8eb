package org.reachwatch.schemas.registry;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How {@link HttpSchemaRegistryClient} retries a call the registry could not answer (unreachable,
 * timed out, 5xx, 408, 429): up to {@code maxRetries} more attempts, waiting
 * {@code initialWait x 2^n} (capped at {@code maxWait}) before retry n, each wait randomised
 * between half and all of it so that many clients do not retry in step. Answers that are final
 * (404, 409, 422, ...) are never retried.
 *
 * <p>The setting names and defaults are those of Confluent's Schema Registry client:
 * {@code max.retries} (3), {@code retries.wait.ms} (1000), {@code retries.max.wait.ms} (20000).
 * With the defaults a dead registry costs a caller about 3.5-7 s per call before
 * {@link SchemaRegistryUnavailableException}.
 */
public record RetryPolicy(int maxRetries, Duration initialWait, Duration maxWait) {
    public static final String MAX_RETRIES = "max.retries";
    public static final String RETRIES_WAIT_MS = "retries.wait.ms";
    public static final String RETRIES_MAX_WAIT_MS = "retries.max.wait.ms";

    public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofSeconds(1), Duration.ofSeconds(20));
    /** One attempt, no retry. */
    public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxRetries < 0 || initialWait.isNegative() || maxWait.isNegative()) {
            throw new IllegalArgumentException("retry settings must not be negative: " + maxRetries + ", " + initialWait + ", " + maxWait);
        }
    }

    /** Reads Confluent's client settings from {@code configs}; missing ones keep the defaults. */
    public static RetryPolicy from(Map<String, ?> configs) {
        return new RetryPolicy(
                (int) number(configs, MAX_RETRIES, DEFAULT.maxRetries),
                Duration.ofMillis(number(configs, RETRIES_WAIT_MS, DEFAULT.initialWait.toMillis())),
                Duration.ofMillis(number(configs, RETRIES_MAX_WAIT_MS, DEFAULT.maxWait.toMillis())));
    }

    /** The pause before retry {@code retry} (0-based). */
    Duration backoff(int retry) {
        long base = initialWait.toMillis();
        long capped = Math.min(maxWait.toMillis(), retry >= 30 ? Long.MAX_VALUE : base << retry);
        if (capped <= 1) {
            return Duration.ofMillis(capped);
        }
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    private static long number(Map<String, ?> configs, String key, long fallback) {
        Object value = configs.get(key);
        if (value == null || value.toString().isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, got '" + value + "'");
        }
    }
}
