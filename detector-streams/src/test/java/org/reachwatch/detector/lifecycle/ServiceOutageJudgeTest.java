package org.reachwatch.detector.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.reachwatch.detector.lifecycle.ServiceOutageJudge.CountryVerdict;
import org.reachwatch.detector.lifecycle.ServiceOutageJudge.Outage;
import org.reachwatch.detector.lifecycle.ServiceOutageJudge.OutageEvent;
import org.reachwatch.detector.lifecycle.ServiceOutageJudge.Result;
import org.reachwatch.detector.lifecycle.ServiceOutageJudge.Step;

class ServiceOutageJudgeTest {
    static final long T0 = Instant.parse("2024-03-05T15:00:00Z").toEpochMilli();
    static final long W = Duration.ofMinutes(5).toMillis();

    private final ServiceOutageJudge judge = new ServiceOutageJudge(3);

    private static CountryVerdict onset(String country, long since) {
        return new CountryVerdict(country, "facebook.com", country + "-facebook.com-x", since, true, true, null);
    }

    private static CountryVerdict stillDisrupted(String country) {
        return new CountryVerdict(country, "facebook.com", country + "-facebook.com-x", T0, false, true, null);
    }

    private static CountryVerdict restored(String country, long at) {
        return new CountryVerdict(country, "facebook.com", country + "-facebook.com-x", T0, false, false, at);
    }

    @Test
    void threeCountriesFailingAtOnceStartAnOutageDatedToTheThirdOnset() {
        long ws = T0 + 2 * W;
        Result r = judge.judge(ws, "facebook.com",
                List.of(onset("DE", T0 + W), onset("BR", T0), onset("IN", T0 + 2 * W), onset("FR", T0 + 2 * W)), null);

        assertThat(r.events()).hasSize(1);
        OutageEvent e = r.events().get(0);
        assertThat(e.step()).isEqualTo(Step.SERVICE_OUTAGE_STARTED);
        // Third earliest onset: BR at T0, DE at T0 + W, then FR and IN at T0 + 2W.
        assertThat(e.at()).isEqualTo(T0 + 2 * W);
        assertThat(e.outageId()).isEqualTo("facebook.com-20240305T1510Z");
        assertThat(e.eventId()).isEqualTo("facebook.com-20240305T1510Z/SERVICE_OUTAGE_STARTED/20240305T1510Z");
        assertThat(e.countries()).containsOnlyKeys("BR", "DE", "FR", "IN").containsEntry("DE", "DE-facebook.com-x");
        assertThat(r.outage().start).isEqualTo(T0 + 2 * W);
    }

    @Test
    void twoCountriesAreNotEnoughAndLongStandingBlocksAreNoOnset() {
        assertThat(judge.judge(T0, "facebook.com", List.of(onset("DE", T0), onset("BR", T0)), null).events()).isEmpty();
        // Three censors blocking the same site for days: disrupted, but no onset in this window.
        Result censors = judge.judge(T0, "facebook.com",
                List.of(stillDisrupted("IR"), stillDisrupted("CN"), stillDisrupted("RU")), null);
        assertThat(censors.events()).isEmpty();
        assertThat(censors.outage()).isNull();
    }

    @Test
    void anOutageContinuesWhileEnoughCountriesAreDisruptedTakesJoinersAndEndsAtTheFirstRestoration() {
        Outage outage = judge.judge(T0, "facebook.com", List.of(onset("DE", T0), onset("BR", T0), onset("IN", T0)), null)
                .outage();

        // Later windows: no fresh onsets, the three are still in their incidents, a fourth country joins.
        Result going = judge.judge(T0 + 10 * W, "facebook.com",
                List.of(stillDisrupted("DE"), stillDisrupted("BR"), stillDisrupted("IN"), onset("FR", T0 + 10 * W)), outage);
        assertThat(going.events()).isEmpty();
        assertThat(going.outage().countries).containsOnlyKeys("BR", "DE", "FR", "IN");

        // FR and IN restored in this window (dated back by their trackers), two remain: it has ended.
        Result ended = judge.judge(T0 + 24 * W, "facebook.com", List.of(stillDisrupted("DE"), stillDisrupted("BR"),
                restored("IN", T0 + 22 * W), restored("FR", T0 + 21 * W)), going.outage());
        assertThat(ended.outage()).isNull();
        assertThat(ended.events()).singleElement().satisfies(e -> {
            assertThat(e.step()).isEqualTo(Step.SERVICE_OUTAGE_ENDED);
            assertThat(e.at()).isEqualTo(T0 + 21 * W);
            assertThat(e.outageId()).isEqualTo("facebook.com-20240305T1500Z");
            assertThat(e.countries()).containsOnlyKeys("BR", "DE", "FR", "IN");
        });
    }

    @Test
    void anOutageWhoseCountriesFallSilentEndsAtTheWindow() {
        Outage outage = judge.judge(T0, "facebook.com", List.of(onset("DE", T0), onset("BR", T0), onset("IN", T0)), null)
                .outage();
        Result r = judge.judge(T0 + 5 * W, "facebook.com", List.of(), outage);
        assertThat(r.events()).extracting(OutageEvent::step, OutageEvent::at)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Step.SERVICE_OUTAGE_ENDED, T0 + 5 * W));
    }

    @Test
    void aCountryBlockedBeforeItsIncidentOpensIsListedWithoutOneUntilItHasIt() {
        CountryVerdict pooledOnly = new CountryVerdict("IN", "facebook.com", null, T0, true, false, null);
        Outage outage = judge.judge(T0, "facebook.com", List.of(onset("DE", T0), onset("BR", T0), pooledOnly), null).outage();
        assertThat(outage.countries).containsEntry("IN", null);

        judge.judge(T0 + W, "facebook.com", List.of(onset("DE", T0), onset("BR", T0), onset("IN", T0 + W)), outage);
        assertThat(outage.countries).isEqualTo(Map.of("BR", "BR-facebook.com-x", "DE", "DE-facebook.com-x",
                "IN", "IN-facebook.com-x"));
    }

    @Test
    void fewerThanTwoCountriesIsNoCrossCountryRule() {
        assertThatThrownBy(() -> new ServiceOutageJudge(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("service.outage.countries");
    }
}
