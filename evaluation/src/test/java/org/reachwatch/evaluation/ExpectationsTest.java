package org.reachwatch.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class ExpectationsTest {
    /** Every episode found on time, 7 of 8 phases, nothing false, every network named right. */
    private static final Score SEVEN_OF_EIGHT_PHASES = new Score(2, 2, 1.0, 2, 0, 0, 0.0, 7.0, 9.0, 8, 7, 7 / 8.0,
            1.0, 1.0, 0, 0, 10, 10, 1.0);

    @Test
    void aMissedPhaseFailsMinPhaseRecallNamingTheCount() {
        assertThat(Expectations.fromMap(Map.of("minPhaseRecall", 1.0)).check(SEVEN_OF_EIGHT_PHASES))
                .singleElement().asString().contains("phase recall 0.875").contains("(7 of 8 phases)");
        assertThat(Expectations.fromMap(Map.of("minPhaseRecall", 0.85)).check(SEVEN_OF_EIGHT_PHASES)).isEmpty();
    }

    @Test
    void everyKeyOfAnExpectBlockIsRead() {
        Expectations e = Expectations.fromMap(Map.of("minRecall", 1.0, "maxFalsePerRegionTargetWeek", 0,
                "maxMedianDelayMinutes", 10, "maxP95DelayMinutes", 15, "maxIncidentsPerEpisode", 1.0,
                "minPhaseRecall", 1.0, "maxFalseOutages", 0, "maxExtraSteps", 0, "minAttribution", 1.0));

        assertThat(e).isEqualTo(new Expectations(1.0, 0.0, 10.0, 15.0, 1.0, 1.0, 0, 0, 1.0));
        assertThat(e.check(SEVEN_OF_EIGHT_PHASES)).singleElement().asString().startsWith("phase recall");
    }

    @Test
    void everyThrottlingKeyIsReadAndChecked() {
        Expectations e = Expectations.fromMap(Map.of("minThrottleRecall", 1.0, "maxFalseThrottling", 0,
                "maxThrottleMedianDelayMinutes", 30, "maxThrottleP95DelayMinutes", 45, "minThrottleEndRecall", 1.0,
                "maxThrottleExtraSteps", 0, "minThrottleAttribution", 1.0));
        assertThat(e).isEqualTo(new Expectations(null, null, null, null, null, null, null, null, null,
                1.0, 0, 30.0, 45.0, 1.0, 0, 1.0));
        // Two episodes, one found after 50 min, neither end, a false throttle, a premature end, one network wrong.
        ThrottleScore poor = new ThrottleScore(2, 1, 0.5, 50.0, 50.0, 0, 0.0, 1, 1, 1, 0, 0.0, 0);
        Score s = new Score(0, 0, 1.0, 0, 0, 0, 0.0, Double.NaN, Double.NaN, 0, 0, 1.0, 0.0, 1.0, 0, 0, 0, 0, Double.NaN, poor);

        assertThat(e.check(s)).containsExactly(
                "throttle recall 0.500, expected >= 1.000 (1 of 2 throttling episodes)",
                "false throttling 1.000, expected <= 0.000",
                "throttle median delay minutes 50.000, expected <= 30.000",
                "throttle p95 delay minutes 50.000, expected <= 45.000",
                "throttle end recall 0.000, expected >= 1.000 (0 of 2 ends reported)",
                "throttle extra steps 1.000, expected <= 0.000",
                "throttling networks 0.000, expected >= 1.000 (0 of 1 events)");
        assertThat(Expectations.NONE.check(s)).isEmpty();
    }
}
