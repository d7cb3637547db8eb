package org.reachwatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioTest {
    static final String BASE = """
            name: t
            seed: 1
            start: 2024-01-01T00:00:00Z
            end: 2024-01-02T00:00:00Z
            intervalMinutes: 5
            countries: [{code: PK, networks: [{asn: AS1, name: One, probes: 2}, {asn: AS2, name: Two, probes: 2}, {asn: AS3, name: Three, probes: 1}]}]
            targets: [x.com, twitter.com]
            controls: [example.com]
            """;

    @Test
    void misspeltKeyFailsNamingTheKey() {
        assertThatThrownBy(() -> Scenario.parse(BASE + "noise: {failurRate: 0.1}\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("failurRate").hasMessageContaining("noise");
        assertThatThrownBy(() -> Scenario.parse(BASE + "disruption: []\n"))
                .hasMessageContaining("disruption");
    }

    @Test
    void badValuesFailWithClearMessages() {
        assertThatThrownBy(() -> Scenario.parse(BASE + "disruptions: [{country: PK, share: 1, method: DSN, from: 2024-01-01T01:00:00Z, to: 2024-01-01T02:00:00Z, cause: CENSORSHIP}]\n"))
                .hasMessageContaining("method").hasMessageContaining("DSN");
        assertThatThrownBy(() -> Scenario.parse(BASE + "disruptions: [{country: PK, networks: [AS9], share: 1, method: DNS, from: 2024-01-01T01:00:00Z, to: 2024-01-01T02:00:00Z, cause: CENSORSHIP}]\n"))
                .hasMessageContaining("AS9");
        assertThatThrownBy(() -> Scenario.parse(BASE + "disruptions: [{country: PK, share: 1, method: DNS, from: yesterday, to: 2024-01-01T02:00:00Z, cause: CENSORSHIP}]\n"))
                .hasMessageContaining("from").hasMessageContaining("yesterday");
    }

    @Test
    void speedThrottleAndCongestionKeysAreCheckedLikeTheRest() {
        String net = BASE.replace("{asn: AS3, name: Three, probes: 1}", "{asn: AS3, name: Three, probes: 1, kind: %s}");
        assertThat(Scenario.parse(net.formatted("mobile")).countries().get(0).networks().get(2).kind())
                .isEqualTo(Scenario.Kind.MOBILE);
        assertThat(Scenario.parse(BASE).countries().get(0).networks().get(0).kind()).isEqualTo(Scenario.Kind.FIXED);
        assertThatThrownBy(() -> Scenario.parse(net.formatted("cable"))).hasMessageContaining("kind").hasMessageContaining("cable");
        assertThatThrownBy(() -> Scenario.parse(BASE.replace("probes: 1}", "probes: 1, speedMbps: 0}")))
                .hasMessageContaining("speedMbps");
        String throttle = "throttles: [{country: PK, targets: [x.com], networks: [AS1], factor: %s, from: 2024-01-01T01:00:00Z, to: 2024-01-01T02:00:00Z}]\n";
        assertThat(Scenario.parse(BASE + throttle.formatted("0.05")).throttles()).singleElement()
                .satisfies(t -> assertThat(t.factor()).isEqualTo(0.05));
        assertThatThrownBy(() -> Scenario.parse(BASE + throttle.formatted("1.5"))).hasMessageContaining("throttles[0]")
                .hasMessageContaining("factor");
        assertThatThrownBy(() -> Scenario.parse(BASE + throttle.replace(", factor: %s", ""))).hasMessageContaining("factor");
        assertThatThrownBy(() -> Scenario.parse(BASE + throttle.formatted("0.05").replace("[AS1]", "[AS7]")))
                .hasMessageContaining("throttles[0]").hasMessageContaining("AS7");
        assertThatThrownBy(() -> Scenario.parse(BASE + throttle.formatted("0.05").replace("[x.com]", "[example.com]")))
                .hasMessageContaining("controls cannot be throttled");
        assertThatThrownBy(() -> Scenario.parse(BASE + throttle.formatted("0.05").replace("factor:", "facter:")))
                .hasMessageContaining("facter");
        assertThatThrownBy(() -> Scenario.parse(BASE + throttle.formatted("0.05").replace("country: PK", "country: '*'")))
                .hasMessageContaining("unknown country '*'");
        String congestion = "congestion: [{country: %s, fromHourUtc: %d, toHourUtc: %d, factor: 0.5}]\n";
        assertThat(Scenario.parse(BASE + congestion.formatted("'*'", 20, 2)).congestion()).singleElement()
                .satisfies(g -> {
                    assertThat(g.covers(Instant.parse("2024-01-01T23:59:00Z"))).isTrue();
                    assertThat(g.covers(Instant.parse("2024-01-01T01:30:00Z"))).isTrue();
                    assertThat(g.covers(Instant.parse("2024-01-01T02:00:00Z"))).isFalse();
                    assertThat(g.covers(Instant.parse("2024-01-01T19:59:00Z"))).isFalse();
                });
        assertThatThrownBy(() -> Scenario.parse(BASE + congestion.formatted("PK", 18, 25))).hasMessageContaining("congestion[0]")
                .hasMessageContaining("toHourUtc");
        assertThatThrownBy(() -> Scenario.parse(BASE + congestion.formatted("PK", 18, 18))).hasMessageContaining("differ");
        assertThatThrownBy(() -> Scenario.parse(BASE + congestion.formatted("XX", 18, 22))).hasMessageContaining("XX");
        assertThatThrownBy(() -> Scenario.parse(BASE + "congestion: [{country: PK, fromHourUtc: 18, factor: 0.5}]\n"))
                .hasMessageContaining("toHourUtc");
        assertThatThrownBy(() -> Scenario.parse(BASE + "expect: {minThrottleRecal: 1.0}\n")).hasMessageContaining("minThrottleRecal");
    }

    @Test
    void truthHasThrottlingEpisodesApartFromDisruptionsWithTheirLifts() {
        Scenario s = Scenario.parse(BASE + """
                disruptions:
                  - {country: PK, targets: [x.com], share: 1.0, method: TLS, from: 2024-01-01T01:00:00Z, to: 2024-01-01T02:00:00Z, cause: CENSORSHIP}
                throttles:
                  - {country: PK, targets: [x.com, twitter.com], networks: [AS1, AS3], factor: 0.05, from: 2024-01-01T02:00:00Z, to: 2024-01-01T08:00:00Z}
                  - {country: PK, targets: [x.com], networks: [AS3], factor: 0.1, from: 2024-01-01T08:00:00Z, to: 2024-01-01T10:00:00Z}
                  - {country: PK, targets: [x.com], factor: 0.05, from: 2024-01-01T20:00:00Z, to: 2024-01-01T22:00:00Z}
                congestion:
                  - {country: PK, fromHourUtc: 18, toHourUtc: 23, factor: 0.5}
                """);
        Truth t = Truth.of(s);
        assertThat(t.episodes()).singleElement().satisfies(e -> assertThat(e.end()).isEqualTo(Instant.parse("2024-01-01T02:00:00Z")));
        assertThat(t.throttles()).extracting(Truth.ThrottleEpisode::target, Truth.ThrottleEpisode::start, Truth.ThrottleEpisode::end)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("twitter.com", Instant.parse("2024-01-01T02:00:00Z"), Instant.parse("2024-01-01T08:00:00Z")),
                        org.assertj.core.groups.Tuple.tuple("x.com", Instant.parse("2024-01-01T02:00:00Z"), Instant.parse("2024-01-01T10:00:00Z")),
                        org.assertj.core.groups.Tuple.tuple("x.com", Instant.parse("2024-01-01T20:00:00Z"), Instant.parse("2024-01-01T22:00:00Z")));
        Truth.ThrottleEpisode x = t.throttles().get(1);
        assertThat(x.networks()).containsExactly("AS1", "AS3");
        assertThat(x.entries()).extracting(Truth.ThrottleEntry::networks).containsExactly(List.of("AS1", "AS3"), List.of("AS3"));
        assertThat(x.entries()).extracting(Truth.ThrottleEntry::factor).containsExactly(0.05, 0.1);
        assertThat(t.throttles().get(2).networks()).as("omitted = every network of the country").containsExactly("AS1", "AS2", "AS3");
    }

    @Test
    void truthWithThrottlesRoundTripsThroughJson(@TempDir Path dir) throws IOException {
        Scenario s = Scenario.read(repoRoot().resolve("scenarios/russia-2021-throttling.yaml"));
        Truth t = Truth.of(s);
        Path file = dir.resolve("truth.json");
        t.write(file);
        assertThat(Truth.read(file)).isEqualTo(t);
        assertThat(t.throttles()).hasSize(2).allSatisfy(e -> assertThat(e.entries()).hasSize(2));
        assertThat(t.episodes()).isEmpty();
    }

    @Test
    void truthMergesEntriesIntoEpisodesWithPartialAndReblockedPhases() {
        Scenario s = Scenario.parse(BASE + """
                disruptions:
                  - {country: PK, targets: [x.com], share: 1.0, method: TLS, from: 2024-01-01T02:00:00Z, to: 2024-01-01T06:00:00Z, cause: CENSORSHIP}
                  - {country: PK, targets: [x.com], networks: [AS2], share: 1.0, method: TLS, from: 2024-01-01T06:00:00Z, to: 2024-01-01T08:00:00Z, cause: CENSORSHIP}
                  - {country: PK, targets: [x.com], share: 1.0, method: TLS, from: 2024-01-01T08:00:00Z, to: 2024-01-01T09:00:00Z, cause: CENSORSHIP}
                  - {country: PK, targets: [x.com], share: 1.0, method: DNS, from: 2024-01-01T10:00:00Z, to: 2024-01-01T11:00:00Z, cause: CENSORSHIP}
                  - {country: PK, targets: [x.com], share: 1.0, method: DNS, from: 2024-01-01T16:00:00Z, to: 2024-01-01T17:00:00Z, cause: CENSORSHIP}
                  - {country: PK, targets: [x.com], share: 1.0, method: DNS, from: 2024-01-05T00:00:00Z, to: 2024-01-05T01:00:00Z, cause: CENSORSHIP}
                """);
        Truth t = Truth.of(s);
        assertThat(t.regionTargets()).isEqualTo(2);
        assertThat(t.weeks()).isEqualTo(1 / 7.0);
        assertThat(t.episodes()).as("a re-block within the 72 h linking horizon is the same episode").hasSize(2);
        Truth.Episode first = t.episodes().get(0);
        assertThat(first.start()).isEqualTo(Instant.parse("2024-01-01T02:00:00Z"));
        assertThat(first.end()).isEqualTo(Instant.parse("2024-01-01T17:00:00Z"));
        assertThat(first.phases()).extracting(Truth.Phase::kind).containsExactly(
                "BLOCKED", "PARTIAL", "REBLOCKED", "RESTORED", "REBLOCKED", "RESTORED", "REBLOCKED", "RESTORED");
        assertThat(first.phases()).extracting(Truth.Phase::at).containsExactly(
                Instant.parse("2024-01-01T02:00:00Z"), Instant.parse("2024-01-01T06:00:00Z"),
                Instant.parse("2024-01-01T08:00:00Z"), Instant.parse("2024-01-01T09:00:00Z"),
                Instant.parse("2024-01-01T10:00:00Z"), Instant.parse("2024-01-01T11:00:00Z"),
                Instant.parse("2024-01-01T16:00:00Z"), Instant.parse("2024-01-01T17:00:00Z"));
        assertThat(first.entries()).extracting(Truth.Entry::networks).containsExactly(
                List.of("AS1", "AS2", "AS3"), List.of("AS2"), List.of("AS1", "AS2", "AS3"), List.of("AS1", "AS2", "AS3"),
                List.of("AS1", "AS2", "AS3"));
        assertThat(t.episodes().get(1).phases()).extracting(Truth.Phase::kind).containsExactly("BLOCKED", "RESTORED");
    }

    @Test
    void truthRoundTripsThroughJson(@TempDir Path dir) throws IOException {
        Scenario s = Scenario.read(repoRoot().resolve("scenarios/pakistan-2024.yaml"));
        Truth t = Truth.of(s);
        Path file = dir.resolve("truth.json");
        t.write(file);
        assertThat(Truth.read(file)).isEqualTo(t);
        assertThat(t.episodes()).hasSize(2).allSatisfy(e -> assertThat(e.phases()).extracting(Truth.Phase::kind)
                .containsExactly("BLOCKED", "PARTIAL", "REBLOCKED", "PARTIAL", "REBLOCKED", "RESTORED"));
    }

    @Test
    void everyScenarioFileParsesAndSimulatesWithinItsBudget() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(repoRoot().resolve("scenarios"))) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(6);
        for (Path f : files) {
            Scenario s = Scenario.read(f);
            long n = 0;
            var it = Simulator.run(s);
            while (it.hasNext()) {
                it.next();
                n++;
            }
            // The throttling scenarios were sized to run in the suite beside the others (issue 14).
            long budget = Set.of("russia-2021-throttling.yaml", "evening-congestion.yaml").contains(f.getFileName().toString())
                    ? 60_000 : 250_000;
            assertThat(n).as(f.getFileName().toString()).isPositive().isLessThanOrEqualTo(budget);
            assertThat(s.expect()).as(f.getFileName().toString()).isNotNull();
            Truth.of(s);
        }
    }

    @Test
    void pakistanPartialRestorationLiftsTheBlockOnlyOnTheRestoredNetworks() {
        Scenario s = Scenario.read(repoRoot().resolve("scenarios/pakistan-2024.yaml"));
        Instant from = Instant.parse("2024-02-18T06:00:00Z");
        Instant to = Instant.parse("2024-02-18T10:00:00Z");
        java.util.Map<String, int[]> byAsn = new java.util.TreeMap<>();
        var it = Simulator.run(s);
        while (it.hasNext()) {
            var m = it.next().measurement();
            if (m.getTarget().equals("x.com") && !m.getStartTime().isBefore(from) && m.getStartTime().isBefore(to)) {
                int[] c = byAsn.computeIfAbsent(m.getAsn(), k -> new int[2]);
                c[0]++;
                if (m.getOutcome() != org.reachwatch.avro.MeasurementOutcome.REACHABLE) {
                    c[1]++;
                }
            }
        }
        assertThat(byAsn).hasSize(5);
        byAsn.forEach((asn, c) -> {
            double failed = c[1] / (double) c[0];
            if (asn.equals("AS59257") || asn.equals("AS45669")) {
                assertThat(failed).as(asn).isLessThan(0.08);
            } else {
                assertThat(failed).as(asn).isGreaterThan(0.98);
            }
        });
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("mvnw"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no folder with mvnw above " + Path.of("").toAbsolutePath());
        }
        return p;
    }
}
