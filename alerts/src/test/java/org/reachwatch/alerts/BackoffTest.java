package org.reachwatch.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), new Random(7));

    @Test
    void ceilingDoublesUpToTheMaximum() {
        assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.ceiling(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.ceiling(5)).isEqualTo(Duration.ofMillis(1600));
        assertThat(backoff.ceiling(6)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.ceiling(1_000_000)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void delaysAreJitteredBetweenHalfTheCeilingAndTheCeiling() {
        Set<Long> distinct = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            long d = backoff.delay(3).toMillis();
            assertThat(d).isBetween(200L, 400L);
            distinct.add(d);
        }
        assertThat(distinct).hasSizeGreaterThan(50);
    }

    @Test
    void nonsenseSettingsAreRefused() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1))).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1))).hasMessageContaining("is below the initial");
    }
}
