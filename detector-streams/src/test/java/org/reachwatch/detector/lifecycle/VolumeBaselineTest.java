package org.reachwatch.detector.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.reachwatch.detector.DetectorSettings;

/** The learned rhythm of a region's volume and the collapse test on it. */
class VolumeBaselineTest {
    static final Instant MONDAY = Instant.parse("2024-09-02T00:00:00Z");
    static final long WINDOW = Duration.ofMinutes(5).toMillis();

    private final DetectorSettings settings = DetectorSettings.defaultSettings();

    /** 100 measurements a window at the 15:00 UTC peak, half of that at night, 60 % of it at weekends. */
    static double volume(long t) {
        double hour = (t / 3_600_000.0) % 24;
        double daily = (1 + 0.5 * Math.cos(2 * Math.PI * (hour - 15) / 24)) / 1.5;
        int day = Instant.ofEpochMilli(t).atZone(ZoneOffset.UTC).getDayOfWeek().getValue();
        return 100 * daily * (day >= 6 ? 0.6 : 1.0);
    }

    @Test
    void dayOfWeekIsTheCalendarsInUtc() {
        Random random = new Random(11);
        for (int i = 0; i < 10_000; i++) {
            long t = random.nextLong(-5_000_000_000_000L, 5_000_000_000_000L);
            int expected = Instant.ofEpochMilli(t).atZone(ZoneOffset.UTC).getDayOfWeek().getValue() - 1;
            assertThat(VolumeBaseline.day(t)).as(Instant.ofEpochMilli(t).toString()).isEqualTo(expected);
        }
        assertThat(VolumeBaseline.day(MONDAY.toEpochMilli())).isZero();
        assertThat(VolumeBaseline.day(MONDAY.toEpochMilli() - 1)).isEqualTo(6);
    }

    @Test
    void learnsTheTimeOfDayAndTheDayOfWeek() {
        VolumeBaseline baseline = new VolumeBaseline();
        Random random = new Random(3);
        long t = MONDAY.toEpochMilli();
        for (; t < MONDAY.plus(Duration.ofDays(21)).toEpochMilli(); t += WINDOW) {
            int v = (int) Math.round(volume(t) * (0.9 + 0.2 * random.nextDouble()));
            baseline.learn(t, v, v / 4, settings.baselineAlpha());
        }

        for (long probe = t; probe < t + Duration.ofDays(7).toMillis(); probe += Duration.ofMinutes(55).toMillis()) {
            assertThat(baseline.expected(probe) / volume(probe)).as(Instant.ofEpochMilli(probe).toString())
                    .isCloseTo(1.0, within(0.2));
        }
        assertThat(baseline.perProbe).isCloseTo(4.0, within(0.3));
    }

    @Test
    void beforeAnHourIsKnownTheRecentLevelStandsIn() {
        VolumeBaseline baseline = new VolumeBaseline();
        long t = MONDAY.toEpochMilli();
        for (int i = 0; i < 12; i++, t += WINDOW) {
            baseline.learn(t, 80, 20, settings.baselineAlpha());
        }

        assertThat(baseline.expected(MONDAY.plus(Duration.ofHours(7)).toEpochMilli())).isCloseTo(80, within(1e-9));
        assertThat(baseline.expected(MONDAY.toEpochMilli())).isCloseTo(80, within(1e-9));
    }

    @Test
    void aCollapseIsSignificantOnlyWithEnoughProbesAndANormalVolumeNeedsNone() {
        assertThat(VolumeTest.verdict(10, 100, 4, settings)).isEqualTo(Verdict.BLOCKED);
        assertThat(VolumeTest.verdict(60, 100, 4, settings)).isEqualTo(Verdict.NORMAL);
        assertThat(VolumeTest.verdict(40, 100, 4, settings)).isEqualTo(Verdict.INTERMEDIATE);
        assertThat(VolumeTest.verdict(2, 20, 4, settings)).as("five probe units: pool more windows")
                .isEqualTo(Verdict.NO_EVIDENCE);
        assertThat(VolumeTest.verdict(12, 20, 4, settings)).isEqualTo(Verdict.NORMAL);
        assertThat(VolumeTest.llr(0, 10)).isEqualTo(10.0);
        assertThat(VolumeTest.llr(12, 10)).isZero();
    }
}
