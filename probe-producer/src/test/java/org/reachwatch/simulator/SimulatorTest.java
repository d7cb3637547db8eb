package org.reachwatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.json.AvroJson;

class SimulatorTest {
    static final Instant BLOCK_FROM = Instant.parse("2024-01-01T02:00:00Z");
    static final Instant BLOCK_TO = Instant.parse("2024-01-01T08:00:00Z");

    static String yaml(long seed, double share, String noise) {
        return """
                name: test
                seed: %d
                start: 2024-01-01T00:00:00Z
                end: 2024-01-01T12:00:00Z
                intervalMinutes: 5
                countries:
                  - code: PK
                    networks: [{asn: AS1, name: One, probes: 10}, {asn: AS2, name: Two, probes: 10}]
                targets: [x.com]
                controls: [example.com]
                noise: %s
                %s
                disruptions:
                  - {country: PK, targets: [x.com], networks: [AS1], share: %s, method: TLS, from: 2024-01-01T02:00:00Z, to: 2024-01-01T08:00:00Z, cause: CENSORSHIP}
                """.formatted(seed, noise, FLAT, share);
    }

    /** A fleet without daily rhythm or churn: every probe measures every interval. */
    static final String FLAT = "rhythm: {dailyAmplitude: 0, weekendFactor: 1}\nchurn: {meanOfflineHours: 0}";

    static List<TimedMeasurement> all(Scenario s) {
        List<TimedMeasurement> out = new ArrayList<>();
        Simulator.run(s).forEachRemaining(out::add);
        return out;
    }

    @Test
    void sameSeedGivesIdenticalOutputAndAnotherSeedDoesNot() {
        String noise = "{failureRate: 0.03, lateShare: 0.05, lateMaxMinutes: 120, duplicateShare: 0.02}";
        List<String> a = all(Scenario.parse(yaml(42, 0.5, noise))).stream()
                .map(t -> t.arrival() + " " + AvroJson.toJsonLine(t.measurement())).toList();
        List<String> b = all(Scenario.parse(yaml(42, 0.5, noise))).stream()
                .map(t -> t.arrival() + " " + AvroJson.toJsonLine(t.measurement())).toList();
        List<String> c = all(Scenario.parse(yaml(43, 0.5, noise))).stream()
                .map(t -> t.arrival() + " " + AvroJson.toJsonLine(t.measurement())).toList();
        assertThat(a).isNotEmpty().isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void recordsComeInArrivalOrderAndLateOnesArriveAfterLaterMeasurements() {
        List<TimedMeasurement> out = all(Scenario.parse(yaml(1,
                0.5, "{failureRate: 0.0, lateShare: 0.05, lateMaxMinutes: 120, duplicateShare: 0.0}")));
        // 20 probes x 2 targets x 144 intervals
        assertThat(out).hasSize(20 * 2 * 144);
        int late = 0;
        for (int i = 0; i < out.size(); i++) {
            TimedMeasurement t = out.get(i);
            assertThat(t.arrival()).isAfter(t.measurement().getStartTime());
            if (i > 0) {
                assertThat(t.arrival()).isAfterOrEqualTo(out.get(i - 1).arrival());
            }
            if (t.arrival().isAfter(t.measurement().getStartTime().plusSeconds(600))) {
                late++;
                // Some record started after this one arrived before it: that is what makes it late.
                Instant start = t.measurement().getStartTime();
                assertThat(out.subList(0, i)).anyMatch(o -> o.measurement().getStartTime().isAfter(start));
            }
        }
        assertThat(late / (double) out.size()).isCloseTo(0.05, within(0.015));
    }

    @Test
    void duplicatesShareTheMeasurementIdAndArriveLater() {
        List<TimedMeasurement> out = all(Scenario.parse(yaml(3,
                0.5, "{failureRate: 0.0, lateShare: 0.0, lateMaxMinutes: 0, duplicateShare: 0.05}")));
        Map<String, TimedMeasurement> first = new HashMap<>();
        int dups = 0;
        for (TimedMeasurement t : out) {
            TimedMeasurement prev = first.putIfAbsent(t.measurement().getMeasurementId(), t);
            if (prev != null) {
                dups++;
                assertThat(t.measurement()).isEqualTo(prev.measurement());
                assertThat(t.arrival()).isAfter(prev.arrival());
            }
        }
        assertThat(first).hasSize(20 * 2 * 144);
        assertThat(dups / (double) first.size()).isCloseTo(0.05, within(0.015));
    }

    @Test
    void blockHitsItsShareOfAffectedNetworksAndLeavesOthersAtNoise() {
        double noise = 0.03;
        List<TimedMeasurement> out = all(Scenario.parse(yaml(5, 0.6,
                "{failureRate: 0.03, lateShare: 0.0, lateMaxMinutes: 0, duplicateShare: 0.0}")));
        double[] blocked = shares(out, "AS1", "x.com", true);
        double[] other = shares(out, "AS2", "x.com", true);
        double[] control = shares(out, "AS1", "example.com", true);
        double[] outside = shares(out, "AS1", "x.com", false);
        assertThat(blocked[0]).isCloseTo(0.6 + 0.4 * noise, within(0.05));
        assertThat(other[0]).isCloseTo(noise, within(0.02));
        assertThat(control[0]).isCloseTo(noise, within(0.02));
        assertThat(outside[0]).isCloseTo(noise, within(0.02));
        // Blocked measurements carry the scenario's method and its df-007 failure string.
        assertThat(out).filteredOn(t -> t.measurement().getBlockingMethod() == BlockingMethod.TLS)
                .isNotEmpty()
                .allSatisfy(t -> {
                    ProbeMeasurement m = t.measurement();
                    assertThat(m.getAsn()).isEqualTo("AS1");
                    assertThat(m.getTlsFailure()).isEqualTo("connection_reset");
                    assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.UNREACHABLE);
                });
    }

    /** {failure share, count} of measurements of asn/target inside (or outside) the block interval. */
    private static double[] shares(List<TimedMeasurement> out, String asn, String target, boolean inside) {
        int n = 0;
        int failed = 0;
        for (TimedMeasurement t : out) {
            ProbeMeasurement m = t.measurement();
            Instant s = m.getStartTime();
            boolean in = !s.isBefore(BLOCK_FROM) && s.isBefore(BLOCK_TO);
            if (m.getAsn().equals(asn) && m.getTarget().equals(target) && in == inside) {
                n++;
                if (m.getOutcome() != MeasurementOutcome.REACHABLE) {
                    failed++;
                }
            }
        }
        return new double[] {failed / (double) n, n};
    }

    @Test
    void networkOutageFailsControlsAndCutsVolume() {
        Scenario s = Scenario.parse("""
                name: outage
                seed: 9
                start: 2024-01-01T00:00:00Z
                end: 2024-01-01T04:00:00Z
                intervalMinutes: 5
                countries: [{code: SN, networks: [{asn: AS1, name: One, probes: 20}]}]
                targets: [x.com]
                controls: [example.com]
                rhythm: {dailyAmplitude: 0, weekendFactor: 1}
                churn: {meanOfflineHours: 0}
                disruptions:
                  - {country: SN, share: 1.0, from: 2024-01-01T02:00:00Z, to: 2024-01-01T04:00:00Z, cause: NETWORK_OUTAGE}
                """);
        List<TimedMeasurement> out = all(s);
        Instant mid = Instant.parse("2024-01-01T02:00:00Z");
        List<ProbeMeasurement> during = out.stream().map(TimedMeasurement::measurement)
                .filter(m -> !m.getStartTime().isBefore(mid)).toList();
        long before = out.size() - during.size();
        assertThat(before).isEqualTo(20 * 2 * 24);
        assertThat(during.size() / (double) before).isCloseTo(0.1, within(0.04));
        assertThat(during).allSatisfy(m -> assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.UNREACHABLE));
        assertThat(during).anyMatch(ProbeMeasurement::getControl);
    }

    static String fleet(String rhythm, String churn, String start, String end) {
        return """
                name: rhythm
                seed: 5
                start: %s
                end: %s
                intervalMinutes: 5
                countries: [{code: KE, networks: [{asn: AS1, name: One, probes: 40}]}]
                targets: [x.com]
                rhythm: %s
                churn: %s
                """.formatted(start, end, rhythm, churn);
    }

    static Map<Integer, Integer> perHour(List<TimedMeasurement> out) {
        Map<Integer, Integer> n = new HashMap<>();
        out.forEach(t -> n.merge(t.measurement().getStartTime().atZone(java.time.ZoneOffset.UTC).getHour(), 1, Integer::sum));
        return n;
    }

    @Test
    void dailyRhythmSwingsVolumeBetweenPeakAndTrough() {
        List<TimedMeasurement> out = all(Scenario.parse(fleet("{dailyAmplitude: 0.35, peakHourUtc: 15, weekendFactor: 1}",
                "{meanOfflineHours: 0}", "2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z")));
        Map<Integer, Integer> hours = perHour(out);

        double trough = hours.get(3) / (double) hours.get(15);
        assertThat(trough).as("03:00 against the 15:00 peak").isCloseTo(0.65 / 1.35, within(0.06));
        assertThat(hours.get(15)).as("at the peak almost every probe measures every interval")
                .isBetween((int) (0.98 * 40 * 12 * 4), 40 * 12 * 4);
    }

    @Test
    void weekendsAreQuieterAndChurnTakesProbesOfflineInSpells() {
        List<TimedMeasurement> weekly = all(Scenario.parse(fleet("{dailyAmplitude: 0, weekendFactor: 0.5}",
                "{meanOfflineHours: 0}", "2024-01-05T00:00:00Z", "2024-01-07T00:00:00Z"))); // Friday, Saturday
        long friday = weekly.stream().filter(t -> t.measurement().getStartTime().isBefore(Instant.parse("2024-01-06T00:00:00Z"))).count();
        assertThat((weekly.size() - friday) / (double) friday).isCloseTo(0.5, within(0.03));

        List<TimedMeasurement> churned = all(Scenario.parse(fleet("{dailyAmplitude: 0, weekendFactor: 1}",
                "{meanOnlineHours: 10, meanOfflineHours: 10}", "2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z")));
        assertThat(churned.size() / (40.0 * 4 * 288)).isCloseTo(0.5, within(0.15));
        Map<String, List<Long>> byProbe = new HashMap<>();
        churned.forEach(t -> byProbe.computeIfAbsent(t.measurement().getProbeId(), k -> new ArrayList<>())
                .add(t.measurement().getStartTime().toEpochMilli() / 300_000));
        long gaps = byProbe.values().stream().mapToLong(slots -> {
            List<Long> sorted = slots.stream().sorted().toList();
            long g = 0;
            for (int i = 1; i < sorted.size(); i++) {
                g += sorted.get(i) - sorted.get(i - 1) > 1 ? 1 : 0;
            }
            return g;
        }).sum();
        assertThat(gaps).as("offline spells last hours, not single intervals").isLessThan(40 * 20);
    }

    @Test
    void iteratorIsLazyAndEndsCleanly() {
        Iterator<TimedMeasurement> it = Simulator.run(Scenario.parse(yaml(1, 1.0,
                "{failureRate: 0.0, lateShare: 0.0, lateMaxMinutes: 0, duplicateShare: 0.0}")));
        int n = 0;
        while (it.hasNext()) {
            it.next();
            n++;
        }
        assertThat(n).isEqualTo(20 * 2 * 144);
        assertThat(it.hasNext()).isFalse();
    }
}
