package org.reachwatch.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.reachwatch.evaluation.ServiceOutageScore.OutageEvent;

class ServiceOutageScoreTest {
    private static final Instant START = Instant.parse("2024-03-05T15:00:00Z");
    private static final Instant END = Instant.parse("2024-03-05T17:00:00Z");
    private static final TruthEpisodes TRUTH = new TruthEpisodes(List.of(
            new TruthEpisodes.Episode("*", "facebook.com", "SERVICE_OUTAGE", START, END, List.of()),
            new TruthEpisodes.Episode("PK", "x.com", "CENSORSHIP", START, END, List.of())), List.of(), 6, 1.0);

    @Test
    void anOutageStartedInsideTheEpisodeAndEndedNearItsEndIsFoundAndEnded() {
        ServiceOutageScore s = ServiceOutageScore.score(TRUTH, List.of(
                new OutageEvent("SERVICE_OUTAGE_STARTED", "facebook.com", START, START.plusSeconds(22 * 60)),
                new OutageEvent("SERVICE_OUTAGE_ENDED", "facebook.com", END.plusSeconds(10 * 60), END.plusSeconds(32 * 60))));

        assertThat(s.found()).isEqualTo(1);
        assertThat(s.ended()).isEqualTo(1);
        assertThat(s.falseOutages()).isZero();
        assertThat(s.delaysMinutes()).containsExactly(22.0);
        assertThat(s.line()).contains("found 1/1, ended 1/1, false 0, delay [22.0] min");
    }

    @Test
    void anOutageOfAnotherTargetOrTimeIsFalseAndTheEpisodeMissed() {
        ServiceOutageScore s = ServiceOutageScore.score(TRUTH, List.of(
                new OutageEvent("SERVICE_OUTAGE_STARTED", "x.com", START, START),
                new OutageEvent("SERVICE_OUTAGE_STARTED", "facebook.com", END.plusSeconds(60), END.plusSeconds(60))));

        assertThat(s.outages()).isEqualTo(1);
        assertThat(s.found()).isZero();
        assertThat(s.falseOutages()).isEqualTo(2);
    }

    @Test
    void anEndFarFromTheTruthIsNotAnEnd() {
        ServiceOutageScore s = ServiceOutageScore.score(TRUTH, List.of(
                new OutageEvent("SERVICE_OUTAGE_STARTED", "facebook.com", START, START),
                new OutageEvent("SERVICE_OUTAGE_ENDED", "facebook.com", START.plusSeconds(20 * 60), START.plusSeconds(40 * 60))));

        assertThat(s.found()).isEqualTo(1);
        assertThat(s.ended()).isZero();
    }
}
