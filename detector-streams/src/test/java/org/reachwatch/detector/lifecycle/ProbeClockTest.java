package org.reachwatch.detector.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class ProbeClockTest {
    static final long T0 = Instant.parse("2024-02-17T20:00:00Z").toEpochMilli();
    static final long MINUTE = Duration.ofMinutes(1).toMillis();
    static final long DAY = Duration.ofDays(1).toMillis();

    private final ProbeClock clock = new ProbeClock(0.75, 2, Duration.ofHours(1).toMillis(), Long.MIN_VALUE);

    @Test
    void aFleetMovingTogetherMovesTheClockWithIt() {
        for (int minute = 0; minute < 30; minute++) {
            for (int p = 0; p < 25; p++) {
                clock.observe("p" + p, T0 + minute * MINUTE + p * 1000L);
            }
        }
        assertThat(clock.time()).isBetween(T0 + 29 * MINUTE, T0 + 29 * MINUTE + 25_000);
    }

    @Test
    void probesAheadOfTheRestMoveNothingUntilTheyAreAQuarterOfTheFleet() {
        for (int p = 0; p < 25; p++) {
            clock.observe("p" + p, T0);
        }
        for (int p = 0; p < 6; p++) {
            clock.observe("liar" + p, T0 + DAY * (p + 1));
        }
        assertThat(clock.time()).as("6 of 31 probes ahead").isEqualTo(T0);

        for (int p = 6; p < 8; p++) {
            clock.observe("liar" + p, T0 + DAY);
        }
        assertThat(clock.time()).as("8 of 33 probes ahead").isEqualTo(T0);
        clock.observe("liar8", T0 + DAY);
        assertThat(clock.time()).as("9 of 34 probes at least a day ahead").isEqualTo(T0 + DAY);
    }

    @Test
    void aLoneProbeMovesItsOwnClockAndTwoProbesNeedEachOther() {
        ProbeClock alone = new ProbeClock(0.75, 2, Duration.ofHours(1).toMillis(), Long.MIN_VALUE);
        alone.observe("only", T0);
        alone.observe("only", T0 + 5 * MINUTE);
        assertThat(alone.time()).isEqualTo(T0 + 5 * MINUTE);

        clock.observe("a", T0);
        clock.observe("b", T0);
        clock.observe("a", T0 + DAY);
        assertThat(clock.time()).isEqualTo(T0);
        clock.observe("b", T0 + 5 * MINUTE);
        assertThat(clock.time()).isEqualTo(T0 + 5 * MINUTE);
    }

    @Test
    void whenMostProbesFallSilentATrustedClockMovesItAndTheSilentAreForgotten() {
        for (int p = 0; p < 20; p++) {
            clock.observe("p" + p, T0);
        }
        for (int minute = 1; minute <= 120; minute++) {
            clock.observe("q1", T0 + minute * MINUTE);
            clock.observe("q2", T0 + minute * MINUTE);
        }
        assertThat(clock.time()).as("2 of 22 probes cannot move it").isEqualTo(T0);

        clock.force(T0 + 90 * MINUTE);
        assertThat(clock.activeProbes()).isEqualTo(2);
        clock.observe("q1", T0 + 121 * MINUTE);
        clock.observe("q2", T0 + 121 * MINUTE);
        assertThat(clock.time()).isEqualTo(T0 + 121 * MINUTE);

        clock.observe("late", T0);
        assertThat(clock.time()).as("never back").isEqualTo(T0 + 121 * MINUTE);
        assertThat(clock.force(T0 + DAY)).isEqualTo(T0 + DAY);
    }

    @Test
    void fortyProbesEachReportingOnceADayFurtherAheadNeverBecomeTheBulk() {
        // 20 honest probes a minute apart over a week; every 4 h one more probe reports once, k days ahead.
        int liars = 0;
        for (int minute = 0; minute < 7 * 24 * 60; minute++) {
            for (int p = 0; p < 20; p++) {
                clock.observe("p" + p, T0 + minute * MINUTE);
            }
            if (minute % 240 == 0 && liars < 40) {
                liars++;
                clock.observe("liar" + liars, T0 + minute * MINUTE + liars * DAY);
            }
            assertThat(clock.time()).as("minute %d, %d liars so far", minute, liars).isLessThanOrEqualTo(T0 + minute * MINUTE);
        }
        assertThat(liars).isEqualTo(40);
        assertThat(clock.time()).isEqualTo(T0 + (7 * 24 * 60 - 1) * MINUTE);
        assertThat(clock.activeProbes()).as("liars are forgotten after a horizon of the bulk's progress").isLessThanOrEqualTo(21);
    }
}
