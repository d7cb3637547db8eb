package org.reachwatch.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScorerTest {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");
    static final int WINDOW = 5;

    static Instant t(int minutes) {
        return T0.plusSeconds(60L * minutes);
    }

    /** PK x.com blocked 0..600 min, partial at 300, re-blocked at 420; PK twitter.com blocked 0..120. */
    static final TruthEpisodes TRUTH = new TruthEpisodes(List.of(
            new TruthEpisodes.Episode("PK", "x.com", "CENSORSHIP", t(0), t(600), List.of(
                    new TruthEpisodes.Phase("BLOCKED", t(0)),
                    new TruthEpisodes.Phase("PARTIAL", t(300)),
                    new TruthEpisodes.Phase("REBLOCKED", t(420)))),
            new TruthEpisodes.Episode("PK", "twitter.com", "CENSORSHIP", t(0), t(120),
                    List.of(new TruthEpisodes.Phase("BLOCKED", t(0))))),
            2, 0.5);

    static ScoredEvent ev(String incident, String type, String asn, String target, int at, int detected) {
        return new ScoredEvent(incident + "-" + type + at, incident, type, "PK", asn, target, t(at), t(detected),
                "CENSORSHIP");
    }

    static List<ScoredEvent> perfect() {
        return new ArrayList<>(List.of(
                ev("a", "DISRUPTION_STARTED", null, "x.com", 0, 6),
                ev("a", "PARTIAL_RESTORATION", null, "x.com", 305, 312),
                ev("a", "REBLOCKED", null, "x.com", 420, 426),
                ev("a", "RESTORED", null, "x.com", 600, 606),
                ev("b", "DISRUPTION_STARTED", null, "twitter.com", -5, 10),
                ev("b", "RESTORED", null, "twitter.com", 120, 126),
                // a network-level view inside the national incident is detail, not a false alarm
                ev("n1", "DISRUPTION_STARTED", "AS17557", "x.com", 0, 7),
                ev("n1", "RESTORED", "AS17557", "x.com", 600, 607)));
    }

    @Test
    void perfectDetectorScoresFullMarks() {
        Score s = Scorer.score(TRUTH, perfect(), WINDOW);
        assertThat(s.recall()).isEqualTo(1.0);
        assertThat(s.falseIncidents()).isZero();
        assertThat(s.detailIncidents()).isEqualTo(1);
        assertThat(s.medianDelayMinutes()).isEqualTo(8.0);
        assertThat(s.p95DelayMinutes()).isEqualTo(10.0);
        assertThat(s.phases()).isEqualTo(2);
        assertThat(s.phaseRecall()).isEqualTo(1.0);
        assertThat(s.incidentsPerEpisode()).isEqualTo(1.0);
        assertThat(s.causeAccuracy()).isEqualTo(1.0);
        assertThat(new Expectations(1.0, 0.0, 10.0, 15.0, 1.0, null, null, null, null).check(s)).isEmpty();
        assertThat(s.table()).contains("episode recall").contains("1.000").contains("8.000");
    }

    @Test
    void missedEpisodeLowersRecall() {
        List<ScoredEvent> events = perfect();
        events.removeIf(e -> e.incidentId().equals("b"));
        Score s = Scorer.score(TRUTH, events, WINDOW);
        assertThat(s.recall()).isEqualTo(0.5);
        assertThat(s.detectedEpisodes()).isEqualTo(1);
        assertThat(new Expectations(1.0, null, null, null, null, null, null, null, null).check(s))
                .singleElement().asString().contains("recall 0.500");
    }

    @Test
    void extraIncidentCountsAsFalse() {
        List<ScoredEvent> events = perfect();
        events.add(ev("x", "DISRUPTION_STARTED", null, "twitter.com", 900, 905)); // after the episode ended
        events.add(ev("y", "DISRUPTION_STARTED", "AS24499", "x.com", 700, 705)); // network-level, outside everything
        Score s = Scorer.score(TRUTH, events, WINDOW);
        assertThat(s.falseIncidents()).isEqualTo(2);
        assertThat(s.falsePerRegionTargetWeek()).isCloseTo(2 / (2 * 0.5), within(1e-9));
        assertThat(s.recall()).isEqualTo(1.0);
        assertThat(new Expectations(null, 0.0, null, null, null, null, null, null, null).check(s)).hasSize(1);
    }

    @Test
    void splitEpisodeRaisesIncidentsPerEpisodeAndLosesThePhase() {
        List<ScoredEvent> events = perfect();
        events.removeIf(e -> e.incidentId().equals("a"));
        events.add(ev("a1", "DISRUPTION_STARTED", null, "x.com", 0, 6));
        events.add(ev("a1", "RESTORED", null, "x.com", 300, 306));
        events.add(ev("a2", "DISRUPTION_STARTED", null, "x.com", 420, 426));
        Score s = Scorer.score(TRUTH, events, WINDOW);
        assertThat(s.incidentsPerEpisode()).isEqualTo(1.5); // (2 + 1) / 2 episodes
        assertThat(s.phaseRecall()).isZero();
        assertThat(new Expectations(null, null, null, null, 1.0, null, null, null, null).check(s))
                .singleElement().asString().contains("incidents per episode");
    }

    @Test
    void startOutsideTheToleranceIsFalseAndWrongCauseLowersAccuracy() {
        List<ScoredEvent> events = new ArrayList<>(List.of(
                ev("early", "DISRUPTION_STARTED", null, "twitter.com", -10, -5), // 2 windows early
                new ScoredEvent("e", "c", "DISRUPTION_STARTED", "PK", null, "x.com", t(2), t(4), "NETWORK_OUTAGE")));
        Score s = Scorer.score(TRUTH, events, WINDOW);
        assertThat(s.falseIncidents()).isEqualTo(1);
        assertThat(s.recall()).isEqualTo(0.5);
        assertThat(s.causeAccuracy()).isZero();
        assertThat(s.medianDelayMinutes()).isEqualTo(4.0);
    }

    @Test
    void globalAndShutdownEpisodesMatchAcrossCountriesAndTargets() {
        TruthEpisodes truth = new TruthEpisodes(List.of(
                new TruthEpisodes.Episode("*", "facebook.com", "SERVICE_OUTAGE", t(0), t(120), List.of()),
                new TruthEpisodes.Episode("SN", "whatsapp.com", "NETWORK_OUTAGE", t(0), t(300), List.of()),
                new TruthEpisodes.Episode("SN", "facebook.com", "NETWORK_OUTAGE", t(0), t(300), List.of())), 4, 1.0);
        List<ScoredEvent> events = List.of(
                new ScoredEvent("1", "de", "DISRUPTION_STARTED", "DE", null, "facebook.com", t(0), t(5), "SERVICE_OUTAGE"),
                new ScoredEvent("2", "br", "DISRUPTION_STARTED", "BR", null, "facebook.com", t(0), t(9), "SERVICE_OUTAGE"),
                new ScoredEvent("3", "sn", "DISRUPTION_STARTED", "SN", null, "*", t(0), t(7), "NETWORK_OUTAGE"),
                // one network's own view of the shutdown, inside the country-wide incident: detail
                new ScoredEvent("4", "sn-as1", "DISRUPTION_STARTED", "SN", "AS8346", "whatsapp.com", t(5), t(10),
                        "NETWORK_OUTAGE"));
        Score s = Scorer.score(truth, events, WINDOW);
        assertThat(s.recall()).isEqualTo(1.0);
        assertThat(s.falseIncidents()).isZero();
        assertThat(s.incidentsPerEpisode()).isEqualTo(1.0);
        assertThat(s.detailIncidents()).isEqualTo(1);
        assertThat(s.causeAccuracy()).isEqualTo(1.0);
    }

    @Test
    void restorationWhileStillBlockedAndReblockWithoutTruthAreExtraSteps() {
        List<ScoredEvent> events = perfect();
        events.add(ev("a", "RESTORED", null, "x.com", 200, 206)); // still blocked until 300
        events.add(ev("a", "REBLOCKED", null, "x.com", 215, 221)); // the truth has no re-block near 215
        Score s = Scorer.score(TRUTH, events, WINDOW);

        assertThat(s.extraSteps()).isEqualTo(2);
        assertThat(s.recall()).isEqualTo(1.0);
        assertThat(new Expectations(null, null, null, null, null, null, null, 0, null).check(s))
                .singleElement().asString().contains("extra lifecycle steps 2");
        assertThat(Scorer.score(TRUTH, perfect(), WINDOW).extraSteps()).isZero();
    }

    @Test
    void everyStepOfAFalseOutageIsExtraAndTheOutageIsCounted() {
        List<ScoredEvent> events = perfect();
        events.add(new ScoredEvent("o1", "o", "DISRUPTION_STARTED", "PK", null, "*", t(700), t(707), "NETWORK_OUTAGE"));
        events.add(new ScoredEvent("o2", "o", "RESTORED", "PK", null, "*", t(720), t(735), "NETWORK_OUTAGE"));
        events.add(new ScoredEvent("o3", "o", "REBLOCKED", "PK", null, "*", t(740), t(747), "NETWORK_OUTAGE"));
        Score s = Scorer.score(TRUTH, events, WINDOW);

        assertThat(s.falseOutages()).isEqualTo(1);
        assertThat(s.falseIncidents()).isEqualTo(1);
        assertThat(s.extraSteps()).isEqualTo(2);
        assertThat(new Expectations(null, null, null, null, null, null, 0, null, null).check(s))
                .singleElement().asString().contains("false outage incidents 1");
    }

    @Test
    void attributionIsRightOnlyWhenTheNamedNetworksAreExactlyTheDisruptedOnes() {
        TruthEpisodes truth = new TruthEpisodes(List.of(new TruthEpisodes.Episode("PK", "x.com", "CENSORSHIP", t(0), t(300),
                List.of(new TruthEpisodes.Phase("BLOCKED", t(0)), new TruthEpisodes.Phase("PARTIAL", t(100))),
                List.of(new TruthEpisodes.Entry(t(0), t(100), List.of("AS1", "AS2")),
                        new TruthEpisodes.Entry(t(100), t(300), List.of("AS2"))))), 1, 0.5);
        List<ScoredEvent.Network> both = List.of(new ScoredEvent.Network("AS1", true), new ScoredEvent.Network("AS2", true),
                new ScoredEvent.Network("AS3", false));
        List<ScoredEvent.Network> onlyAs1 = List.of(new ScoredEvent.Network("AS1", true), new ScoredEvent.Network("AS2", false));
        List<ScoredEvent> events = List.of(
                new ScoredEvent("1", "a", "DISRUPTION_STARTED", "PK", null, "x.com", t(0), t(6), "CENSORSHIP", both),
                // AS1 came back at 100, AS2 still blocks: naming AS1 instead is wrong
                new ScoredEvent("2", "a", "PARTIAL_RESTORATION", "PK", null, "x.com", t(100), t(112), "CENSORSHIP", onlyAs1),
                new ScoredEvent("3", "a", "RESTORED", "PK", null, "x.com", t(300), t(316), "CENSORSHIP", List.of()));
        Score s = Scorer.score(truth, events, WINDOW);

        assertThat(s.attributionEvents()).isEqualTo(2);
        assertThat(s.attributedEvents()).isEqualTo(1);
        assertThat(s.attribution()).isEqualTo(0.5);
        assertThat(new Expectations(null, null, null, null, null, null, null, null, 1.0).check(s))
                .singleElement().asString().contains("network attribution 0.500");
    }

    @Test
    void aTruthEntryWithoutNetworksNeedsEveryListedNetworkNamed() {
        TruthEpisodes truth = new TruthEpisodes(List.of(new TruthEpisodes.Episode("*", "x.com", "SERVICE_OUTAGE", t(0), t(60),
                List.of())), 1, 0.5);
        List<ScoredEvent> events = List.of(
                new ScoredEvent("1", "de", "DISRUPTION_STARTED", "DE", null, "x.com", t(0), t(6), "SERVICE_OUTAGE",
                        List.of(new ScoredEvent.Network("AS3320", true), new ScoredEvent.Network("AS3209", true))),
                new ScoredEvent("2", "br", "DISRUPTION_STARTED", "BR", null, "x.com", t(0), t(6), "SERVICE_OUTAGE", List.of()));

        assertThat(Scorer.score(truth, events, WINDOW).attributedEvents()).isEqualTo(1);
    }

    @Test
    void noEpisodesAndNoEventsPassesTheQuietExpectation() {
        Score s = Scorer.score(new TruthEpisodes(List.of(), 3, 1 / 7.0), List.of(), WINDOW);
        assertThat(s.recall()).isEqualTo(1.0);
        assertThat(s.medianDelayMinutes()).isNaN();
        assertThat(new Expectations(1.0, 0.0, 10.0, 15.0, 1.0, null, null, null, null).check(s)).isEmpty();
    }

    @Test
    void readsTruthAndEventFiles(@TempDir Path dir) throws IOException {
        Path truth = dir.resolve("t.json");
        Files.writeString(truth, """
                {"scenario":"s","episodes":[{"country":"PK","target":"x.com","cause":"CENSORSHIP",
                 "start":"2024-02-17T20:00:00Z","end":"2024-02-18T06:00:00Z",
                 "phases":[{"kind":"BLOCKED","at":"2024-02-17T20:00:00Z"}]}],"regionTargets":2,"weeks":0.5}
                """);
        TruthEpisodes t = TruthEpisodes.read(truth);
        assertThat(t.episodes()).singleElement().satisfies(e -> {
            assertThat(e.start()).isEqualTo(T0);
            assertThat(e.phases()).hasSize(1);
        });
        Path events = dir.resolve("e.jsonl");
        Files.writeString(events, """
                {"eventId":"1","incidentId":"i","type":"DISRUPTION_STARTED","country":"PK","asn":null,"target":"x.com","at":"2024-02-17T20:00:00Z","detectedAt":"2024-02-17T20:06:00Z","cause":"CENSORSHIP","extra":1}

                """);
        assertThat(Scorer.score(t, ScoredEvent.readJsonl(events), WINDOW).medianDelayMinutes()).isEqualTo(6.0);
        Files.writeString(events, """
                {"eventId":"1","incidentId":"i","type":"DISRUPTION_STARTED","country":"PK","asn":null,"target":"x.com","at":"2024-02-17T20:00:00Z","detectedAt":"2024-02-17T20:06:00Z","cause":"CENSORSHIP","networks":[{"asn":"AS1","blocked":true},{"asn":"AS2","blocked":false}]}
                """);
        assertThat(ScoredEvent.readJsonl(events)).singleElement()
                .satisfies(e -> assertThat(e.blockedNetworks()).containsExactly("AS1"));
        Files.writeString(events, "{\"eventId\":\"1\",\"type\":\"DISRUPTION_STARTED\"}\n");
        assertThatThrownBy(() -> ScoredEvent.readJsonl(events)).hasMessageContaining("line 1")
                .hasMessageContaining("incidentId");
    }

    /** RU twitter.com throttled on AS1 (fixed) and AS3 (mobile) from 0; lifted on AS1 at 300, on AS3 at 600. */
    static final TruthEpisodes.ThrottleEpisode THROTTLE = new TruthEpisodes.ThrottleEpisode("RU", "twitter.com", t(0), t(600),
            List.of(new TruthEpisodes.Entry(t(0), t(300), List.of("AS1", "AS3")), new TruthEpisodes.Entry(t(300), t(600), List.of("AS3"))));

    static ScoredEvent throttle(String incident, String type, String asn, int at, int detected, String... throttled) {
        List<ScoredEvent.Network> nets = new ArrayList<>();
        for (String asn2 : List.of("AS1", "AS2", "AS3")) {
            nets.add(new ScoredEvent.Network(asn2, false, List.of(throttled).contains(asn2)));
        }
        return new ScoredEvent(incident + "-" + type + at, incident, type, "RU", asn, "twitter.com", t(at), t(detected),
                "CENSORSHIP", nets);
    }

    /** Every block figure of a score, by name: the whole record but its throttling figures. */
    static Map<String, Object> blockFigures(Score s) throws ReflectiveOperationException {
        Map<String, Object> out = new java.util.TreeMap<>();
        for (java.lang.reflect.RecordComponent c : Score.class.getRecordComponents()) {
            if (!c.getName().equals("throttling")) {
                out.put(c.getName(), c.getAccessor().invoke(s));
            }
        }
        return out;
    }

    static final Expectations THROTTLE_EXPECTED = Expectations.fromMap(Map.of("minThrottleRecall", 1.0, "maxFalseThrottling", 0,
            "maxThrottleMedianDelayMinutes", 30, "maxThrottleP95DelayMinutes", 45, "minThrottleEndRecall", 1.0,
            "maxThrottleExtraSteps", 0, "minThrottleAttribution", 1.0));

    @Test
    void throttleStartedAndEndedAtTheLastLiftScoresFullMarks() {
        TruthEpisodes truth = new TruthEpisodes(List.of(), List.of(THROTTLE), 2, 0.5);
        List<ScoredEvent> events = List.of(
                throttle("r", "THROTTLING_STARTED", null, 0, 17, "AS1", "AS3"),
                // a network's own view inside the episode is detail, not a false throttle
                throttle("r1", "THROTTLING_STARTED", "AS3", 0, 20, "AS3"),
                throttle("r", "THROTTLING_ENDED", null, 600, 625),
                throttle("r", "INCIDENT_CLOSED", null, 600, 4925));
        Score s = Scorer.score(truth, events, WINDOW);
        ThrottleScore t = s.throttling();

        assertThat(t).isEqualTo(new ThrottleScore(1, 1, 1.0, 17.0, 17.0, 1, 1.0, 0, 0, 1, 1, 1.0, 2));
        assertThat(THROTTLE_EXPECTED.check(s)).isEmpty();
        assertThat(s.incidents()).as("throttle-only incidents are not block incidents").isZero();
        assertThat(s.falseIncidents()).isZero();
        assertThat(s.table()).contains("throttles detected").containsPattern("throttle median delay \\(min\\)\\s+17.000")
                .containsPattern("throttle-only incidents\\s+2");
    }

    @Test
    void missedThrottleFailsRecallDelayEndAndAttribution() {
        Score s = Scorer.score(new TruthEpisodes(List.of(), List.of(THROTTLE), 2, 0.5), List.of(), WINDOW);

        assertThat(s.throttling().recall()).isZero();
        assertThat(s.throttling().endRecall()).isZero();
        assertThat(s.throttling().medianDelayMinutes()).isNaN();
        assertThat(s.recall()).as("no block episode: the block figures are untouched").isEqualTo(1.0);
        assertThat(THROTTLE_EXPECTED.check(s)).containsExactly(
                "throttle recall 0.000, expected >= 1.000 (0 of 1 throttling episodes)",
                "throttle median delay minutes: no episode detected, expected <= 30.0",
                "throttle p95 delay minutes: no episode detected, expected <= 45.0",
                "throttle end recall 0.000, expected >= 1.000 (0 of 1 ends reported)",
                "throttling networks: no THROTTLING_STARTED to score, expected >= 1.0");
    }

    @Test
    void throttleInEveningCongestionIsFalseThrottlingNotAFalseIncident() {
        TruthEpisodes congestion = new TruthEpisodes(List.of(), 2, 0.5);
        List<ScoredEvent> events = List.of(
                throttle("c", "THROTTLING_STARTED", null, 720, 735, "AS1", "AS2", "AS3"),
                throttle("c", "THROTTLING_ENDED", null, 960, 975),
                throttle("c", "INCIDENT_CLOSED", null, 960, 5280),
                throttle("c2", "THROTTLING_STARTED", "AS2", 725, 740, "AS2"));
        Score s = Scorer.score(congestion, events, WINDOW);

        assertThat(s.throttling().falseThrottling()).isEqualTo(2);
        assertThat(s.throttling().throttleOnlyIncidents()).isEqualTo(2);
        assertThat(s.falseIncidents()).isZero();
        assertThat(s.extraSteps()).isZero();
        assertThat(s.incidents()).isZero();
        assertThat(THROTTLE_EXPECTED.check(s)).containsExactly("false throttling 2.000, expected <= 0.000");
        assertThat(new Expectations(null, 0.0, null, null, null, null, 0, 0, null).check(s)).isEmpty();
    }

    @Test
    void endingWhenOnlyTheFixedLinesAreLiftedAndStartingAgainAreExtraStepsAndTheEndIsMissed() {
        TruthEpisodes truth = new TruthEpisodes(List.of(), List.of(THROTTLE), 2, 0.5);
        List<ScoredEvent> events = List.of(
                throttle("r", "THROTTLING_STARTED", null, 0, 12, "AS1", "AS2", "AS3"), // AS2 never throttles
                throttle("r", "THROTTLING_ENDED", null, 300, 320), // still throttled on AS3 until 600
                throttle("r", "THROTTLING_STARTED", null, 340, 355, "AS3"),
                throttle("r", "THROTTLING_ENDED", null, 700, 715)); // 100 minutes after the last lift: not its end
        ThrottleScore t = Scorer.score(truth, events, WINDOW).throttling();

        assertThat(t.detectedEpisodes()).isEqualTo(1);
        assertThat(t.medianDelayMinutes()).isEqualTo(12.0);
        assertThat(t.extraSteps()).isEqualTo(2);
        assertThat(t.endsReported()).isZero();
        assertThat(t.attributionEvents()).isEqualTo(2);
        assertThat(t.attributedEvents()).as("the second start names exactly AS3, the first adds AS2").isEqualTo(1);
        assertThat(t.falseThrottling()).isZero();
    }

    @Test
    void throttleAfterABlockInTheSameIncidentIsScoredByBothWithoutTouchingTheBlockFigures() throws Exception {
        // x.com blocked 0..600 (partial at 300, re-blocked at 420), then throttled on AS1 from 600 to 900.
        TruthEpisodes.ThrottleEpisode after = new TruthEpisodes.ThrottleEpisode("PK", "x.com", t(600), t(900),
                List.of(new TruthEpisodes.Entry(t(600), t(900), List.of("AS1"))));
        TruthEpisodes truth = new TruthEpisodes(TRUTH.episodes(), List.of(after), 2, 0.5);
        List<ScoredEvent> events = perfect();
        events.removeIf(e -> e.incidentId().equals("a") && e.type().equals("RESTORED"));
        List<ScoredEvent> blockOnly = List.copyOf(events);
        events.add(new ScoredEvent("a-ts", "a", "THROTTLING_STARTED", "PK", null, "x.com", t(600), t(622), "CENSORSHIP",
                List.of(new ScoredEvent.Network("AS1", false, true), new ScoredEvent.Network("AS2", false, false))));
        events.add(new ScoredEvent("a-te", "a", "THROTTLING_ENDED", "PK", null, "x.com", t(905), t(920), "CENSORSHIP"));
        events.add(new ScoredEvent("a-c", "a", "INCIDENT_CLOSED", "PK", null, "x.com", t(905), t(5225), "CENSORSHIP"));
        Score s = Scorer.score(truth, events, WINDOW);

        assertThat(blockFigures(s)).isEqualTo(blockFigures(Scorer.score(truth, blockOnly, WINDOW)));
        assertThat(s.recall()).isEqualTo(1.0);
        assertThat(s.phaseRecall()).isEqualTo(1.0);
        assertThat(s.falseIncidents()).isZero();
        assertThat(s.extraSteps()).isZero();
        assertThat(s.incidentsPerEpisode()).isEqualTo(1.0);
        assertThat(s.throttling()).isEqualTo(new ThrottleScore(1, 1, 1.0, 22.0, 22.0, 1, 1.0, 0, 0, 1, 1, 1.0, 0));
    }

    @Test
    void throttlingEventsNeverMoveTheBlockFigures() throws Exception {
        List<ScoredEvent> events = perfect();
        events.add(ev("a", "THROTTLING_STARTED", null, "x.com", 100, 110)); // inside the block's incident, no throttle truth
        events.add(ev("a", "THROTTLING_ENDED", null, "x.com", 200, 210));
        events.add(ev("t", "THROTTLING_STARTED", null, "twitter.com", 700, 715)); // an incident of its own
        events.add(ev("t", "THROTTLING_ENDED", null, "twitter.com", 800, 815));
        events.add(ev("t", "INCIDENT_CLOSED", null, "twitter.com", 800, 5120));
        Score s = Scorer.score(TRUTH, events, WINDOW);

        assertThat(blockFigures(s)).isEqualTo(blockFigures(Scorer.score(TRUTH, perfect(), WINDOW)));
        assertThat(s.throttling().falseThrottling()).isEqualTo(2);
        assertThat(s.throttling().throttleOnlyIncidents()).isEqualTo(1);
    }

    @Test
    void aBlockAfterAThrottleInTheSameIncidentStartsItWhateverItsType() {
        TruthEpisodes truth = new TruthEpisodes(List.of(new TruthEpisodes.Episode("PK", "x.com", "CENSORSHIP", t(300), t(600),
                List.of(new TruthEpisodes.Phase("BLOCKED", t(300))))),
                List.of(new TruthEpisodes.ThrottleEpisode("PK", "x.com", t(0), t(300),
                        List.of(new TruthEpisodes.Entry(t(0), t(300), List.of("AS1"))))), 1, 0.5);
        List<ScoredEvent> events = List.of(
                new ScoredEvent("1", "a", "THROTTLING_STARTED", "PK", null, "x.com", t(0), t(15), "CENSORSHIP",
                        List.of(new ScoredEvent.Network("AS1", false, true))),
                new ScoredEvent("2", "a", "REBLOCKED", "PK", null, "x.com", t(300), t(307), "CENSORSHIP"),
                new ScoredEvent("3", "a", "RESTORED", "PK", null, "x.com", t(600), t(615), "CENSORSHIP"));
        Score s = Scorer.score(truth, events, WINDOW);

        assertThat(s.recall()).isEqualTo(1.0);
        assertThat(s.medianDelayMinutes()).isEqualTo(7.0);
        assertThat(s.extraSteps()).as("the block's onset, not a re-block the truth lacks").isZero();
        assertThat(s.throttling().recall()).isEqualTo(1.0);
        assertThat(s.throttling().throttleOnlyIncidents()).isZero();
    }

    @Test
    void readsThrottlingTruthAndThrottledNetworks(@TempDir Path dir) throws IOException {
        Path truth = dir.resolve("t.json");
        Files.writeString(truth, """
                {"scenario":"s","episodes":[],"throttles":[{"country":"RU","target":"twitter.com",
                 "start":"2024-02-17T20:00:00Z","end":"2024-02-18T06:00:00Z","networks":["AS1","AS3"],
                 "entries":[{"from":"2024-02-17T20:00:00Z","to":"2024-02-18T01:00:00Z","networks":["AS1","AS3"],"factor":0.02},
                            {"from":"2024-02-18T01:00:00Z","to":"2024-02-18T06:00:00Z","networks":["AS3"],"factor":0.02}]}],
                 "regionTargets":2,"weeks":0.5}
                """);
        TruthEpisodes t = TruthEpisodes.read(truth);
        assertThat(t.throttles()).singleElement().satisfies(e -> {
            assertThat(e.networks()).containsExactly("AS1", "AS3");
            assertThat(e.networksAt(T0.plusSeconds(6 * 3600))).containsExactly("AS3");
            assertThat(e.networksAt(e.end())).isEmpty();
        });
        Path events = dir.resolve("e.jsonl");
        Files.writeString(events, """
                {"eventId":"1","incidentId":"i","type":"THROTTLING_STARTED","country":"RU","asn":null,"target":"twitter.com","at":"2024-02-17T20:00:00Z","detectedAt":"2024-02-17T20:16:00Z","cause":"CENSORSHIP","throughputBytesPerSecond":18000.0,"networks":[{"asn":"AS1","blocked":false,"throttled":true},{"asn":"AS2","blocked":false,"throttled":false},{"asn":"AS3","throttled":true}]}
                """);
        List<ScoredEvent> read = ScoredEvent.readJsonl(events);
        assertThat(read).singleElement().satisfies(e -> {
            assertThat(e.throttledNetworks()).containsExactly("AS1", "AS3");
            assertThat(e.blockedNetworks()).isEmpty();
        });
        assertThat(Scorer.score(t, read, WINDOW).throttling().medianDelayMinutes()).isEqualTo(16.0);
        Files.writeString(truth, """
                {"episodes":[],"regionTargets":2,"weeks":0.5}
                """);
        assertThat(TruthEpisodes.read(truth).throttles()).as("a truth file from before throttling").isEmpty();
    }

    @Test
    void expectationsRejectUnknownKeys() {
        assertThatThrownBy(() -> Expectations.fromMap(Map.of("minRecal", 1.0))).hasMessageContaining("minRecal");
        assertThat(Expectations.fromMap(Map.of("minRecall", 1, "maxP95DelayMinutes", 15)))
                .isEqualTo(new Expectations(1.0, null, null, 15.0, null, null, null, null, null));
    }
}
