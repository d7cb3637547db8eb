package org.reachwatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.ProbeMeasurement;

class SimulatorSpeedTest {
    static final Instant FROM = Instant.parse("2024-01-01T06:00:00Z");
    static final Instant LIFT = Instant.parse("2024-01-01T12:00:00Z");
    static final Instant TO = Instant.parse("2024-01-01T18:00:00Z");

    /** Two fixed networks and a mobile one, one throttled target, one untouched, a control; no rhythm or churn. */
    static String fleet(String extra) {
        return """
                name: speed
                seed: 11
                start: 2024-01-01T00:00:00Z
                end: 2024-01-02T00:00:00Z
                intervalMinutes: 5
                countries:
                  - code: RU
                    networks:
                      - {asn: AS1, name: Fixed, probes: 8}
                      - {asn: AS2, name: Other, probes: 8, kind: fixed}
                      - {asn: AS3, name: Mobile, probes: 8, kind: mobile}
                  - code: KZ
                    networks: [{asn: AS9, name: Kaz, probes: 4, speedMbps: 100}]
                targets: [twitter.com, vk.com]
                controls: [example.com]
                noise: {failureRate: 0.05, lateShare: 0.02, lateMaxMinutes: 60, duplicateShare: 0.01}
                rhythm: {dailyAmplitude: 0, weekendFactor: 1}
                churn: {meanOfflineHours: 0}
                """ + extra;
    }

    static final String THROTTLE = """
            throttles:
              - {country: RU, targets: [twitter.com], networks: [AS1, AS3], factor: 0.05, from: 2024-01-01T06:00:00Z, to: 2024-01-01T12:00:00Z}
              - {country: RU, targets: [twitter.com], networks: [AS3], factor: 0.05, from: 2024-01-01T12:00:00Z, to: 2024-01-01T18:00:00Z}
            """;

    static List<ProbeMeasurement> measurements(String yaml) {
        return SimulatorTest.all(Scenario.parse(yaml)).stream().map(TimedMeasurement::measurement).toList();
    }

    /** Median throughput of the reachable measurements that match. */
    static double median(List<ProbeMeasurement> all, Predicate<ProbeMeasurement> which) {
        double[] v = all.stream().filter(m -> m.getOutcome() == MeasurementOutcome.REACHABLE).filter(which)
                .mapToDouble(ProbeMeasurement::getThroughputBytesPerSecond).sorted().toArray();
        assertThat(v).isNotEmpty();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static Predicate<ProbeMeasurement> on(String asn, String target) {
        return m -> m.getAsn().equals(asn) && m.getTarget().equals(target);
    }

    static Predicate<ProbeMeasurement> during(Instant from, Instant to) {
        return m -> !m.getStartTime().isBefore(from) && m.getStartTime().isBefore(to);
    }

    @Test
    void everyReachableMeasurementCarriesAConsistentDownloadAndFailuresCarryNone() {
        List<ProbeMeasurement> all = measurements(fleet(THROTTLE));
        assertThat(all).filteredOn(m -> m.getOutcome() != MeasurementOutcome.REACHABLE).isNotEmpty().allSatisfy(m -> {
            assertThat(m.getThroughputBytesPerSecond()).isNull();
            assertThat(m.getBytesReceived()).isNull();
            assertThat(m.getDownloadMs()).isNull();
            assertThat(m.getTlsHandshakeMs()).isNull();
        });
        assertThat(all).filteredOn(m -> m.getOutcome() == MeasurementOutcome.REACHABLE).isNotEmpty().allSatisfy(m -> {
            assertThat(m.getBytesReceived()).isEqualTo(262_144L);
            assertThat(m.getThroughputBytesPerSecond()).isCloseTo(m.getBytesReceived() * 1000.0 / m.getDownloadMs(),
                    within(1e-6));
            assertThat(m.getTlsHandshakeMs()).isGreaterThanOrEqualTo(m.getLatencyMs()).isLessThan(m.getLatencyMs() * 1.26 + 26);
            assertThat(m.getRuntimeMs()).isGreaterThanOrEqualTo(Math.round(m.getTlsHandshakeMs() + m.getDownloadMs()) + 200);
        });
    }

    @Test
    void mobileIsSlowerThanFixedAndSpeedMbpsSetsTheMedian() {
        List<ProbeMeasurement> all = measurements(fleet(""));
        double fixed = median(all, m -> m.getAsn().equals("AS2"));
        double mobile = median(all, m -> m.getAsn().equals("AS3"));
        double kz = median(all, m -> m.getAsn().equals("AS9"));
        // Medians of eight probes' lines, each off by a log-normal factor of its own: a factor 3 apart give or take 40 %.
        assertThat(mobile / fixed).isBetween(0.33 / 1.4, 0.33 * 1.4);
        // 100 Mbit/s = 12.5 MB/s, times the mean daily dip and the targets' factors.
        assertThat(kz).isBetween(12.5e6 * 0.5, 12.5e6 * 1.5);
    }

    @Test
    void throttleSlowsOnlyItsTargetOnItsNetworksUntilEachIsLifted() {
        List<ProbeMeasurement> all = measurements(fleet(THROTTLE));
        Predicate<ProbeMeasurement> before = during(Instant.parse("2024-01-01T00:00:00Z"), FROM);
        Predicate<ProbeMeasurement> allThrottled = during(FROM, LIFT);
        Predicate<ProbeMeasurement> mobileOnly = during(LIFT, TO);
        for (String asn : List.of("AS1", "AS3")) {
            double normal = median(all, on(asn, "twitter.com").and(before));
            assertThat(median(all, on(asn, "twitter.com").and(allThrottled)) / normal).as(asn).isCloseTo(0.05, within(0.015));
            // Speed is its own: the untouched target and the control on the same network keep theirs.
            assertThat(median(all, on(asn, "vk.com").and(allThrottled)) / median(all, on(asn, "vk.com").and(before)))
                    .as(asn).isCloseTo(1.0, within(0.2));
            assertThat(median(all, on(asn, "example.com").and(allThrottled)) / median(all, on(asn, "example.com").and(before)))
                    .as(asn).isCloseTo(1.0, within(0.2));
        }
        // Lifted on the fixed line at 12:00, still throttled on mobile until 18:00.
        assertThat(median(all, on("AS1", "twitter.com").and(mobileOnly)) / median(all, on("AS1", "twitter.com").and(before)))
                .isCloseTo(1.0, within(0.2));
        assertThat(median(all, on("AS3", "twitter.com").and(mobileOnly)) / median(all, on("AS3", "twitter.com").and(before)))
                .isCloseTo(0.05, within(0.015));
        assertThat(median(all, on("AS2", "twitter.com").and(allThrottled)) / median(all, on("AS2", "twitter.com").and(before)))
                .as("a network the throttle does not name").isCloseTo(1.0, within(0.2));
        assertThat(all).filteredOn(on("AS3", "twitter.com").and(allThrottled))
                .as("throttled, not blocked: the outcomes are as without the throttle")
                .filteredOn(m -> m.getOutcome() == MeasurementOutcome.REACHABLE).hasSizeGreaterThan(8 * 72 * 9 / 10);
    }

    @Test
    void congestionSlowsTargetsAndControlsAlikeInItsDailyWindow() {
        List<ProbeMeasurement> all = measurements(fleet("""
                congestion:
                  - {country: RU, fromHourUtc: 20, toHourUtc: 2, factor: 0.4}
                """));
        Predicate<ProbeMeasurement> evening = m -> {
            int h = m.getStartTime().atZone(ZoneOffset.UTC).getHour();
            return h >= 20 || h < 2;
        };
        // Outside the window at the same distance from the rhythm's peak (15:00): 08:00-10:00 against 20:00-22:00.
        Predicate<ProbeMeasurement> morning = m -> {
            int h = m.getStartTime().atZone(ZoneOffset.UTC).getHour();
            return h >= 8 && h < 10;
        };
        Predicate<ProbeMeasurement> lateEvening = m -> {
            int h = m.getStartTime().atZone(ZoneOffset.UTC).getHour();
            return h >= 20 && h < 22;
        };
        for (String target : List.of("twitter.com", "example.com")) {
            assertThat(median(all, on("AS1", target).and(lateEvening)) / median(all, on("AS1", target).and(morning)))
                    .as(target).isCloseTo(0.4, within(0.08));
        }
        assertThat(median(all, m -> m.getAsn().equals("AS9") && evening.test(m)) / median(all, m -> m.getAsn().equals("AS9")
                && !evening.test(m))).as("another country").isCloseTo(1.0, within(0.2));
    }

    @Test
    void speedDipsMildlyAtTheRhythmsPeakHour() {
        List<ProbeMeasurement> all = measurements(fleet(""));
        Predicate<ProbeMeasurement> peak = m -> m.getStartTime().atZone(ZoneOffset.UTC).getHour() == 15;
        Predicate<ProbeMeasurement> trough = m -> m.getStartTime().atZone(ZoneOffset.UTC).getHour() == 3;
        assertThat(median(all, m -> m.getCountry().equals("RU") && peak.test(m))
                / median(all, m -> m.getCountry().equals("RU") && trough.test(m))).isCloseTo(1 - Simulator.DAILY_DIP, within(0.06));
    }

    @Test
    void throttlesCongestionAndSpeedsChangeNothingButSpeed() {
        String plain = fleet("").replace(", kind: fixed", "").replace(", kind: mobile", "").replace(", speedMbps: 100", "");
        String everything = fleet(THROTTLE + "congestion: [{country: '*', fromHourUtc: 18, toHourUtc: 23, factor: 0.5}]\n");
        assertThat(SimulatorGoldenTest.fingerprint(Scenario.parse(everything)))
                .isEqualTo(SimulatorGoldenTest.fingerprint(Scenario.parse(plain)));
        assertThat(measurements(everything)).isNotEqualTo(measurements(plain));
    }
}
