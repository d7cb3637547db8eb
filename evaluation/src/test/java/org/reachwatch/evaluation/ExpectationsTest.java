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
}
