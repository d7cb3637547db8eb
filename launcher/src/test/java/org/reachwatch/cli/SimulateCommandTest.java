package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.feeds.FeedImporter;
import org.reachwatch.feeds.ImportReport;
import org.reachwatch.feeds.InputFormat;
import org.reachwatch.schemas.json.AvroJson;
import org.reachwatch.simulator.Truth;
import picocli.CommandLine;

class SimulateCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesGzippedJsonLinesTruthAndSummary() throws Exception {
        Path scenario = dir.resolve("s.yaml");
        Files.writeString(scenario, """
                name: tiny
                seed: 1
                start: 2024-01-01T00:00:00Z
                end: 2024-01-01T02:00:00Z
                intervalMinutes: 5
                countries: [{code: PK, networks: [{asn: AS1, name: One, probes: 3}]}]
                targets: [x.com]
                controls: [example.com]
                noise: {failureRate: 0.0, lateShare: 0.1, lateMaxMinutes: 60, duplicateShare: 0.1}
                rhythm: {dailyAmplitude: 0, weekendFactor: 1}
                churn: {meanOfflineHours: 0}
                disruptions:
                  - {country: PK, share: 1.0, method: DNS, from: 2024-01-01T01:00:00Z, to: 2024-01-01T02:00:00Z, cause: CENSORSHIP}
                """);
        Path out = dir.resolve("m.jsonl.gz");
        Path truth = dir.resolve("t.json");
        StringWriter stdout = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine();
        cli.setOut(new PrintWriter(stdout));
        int exit = cli.execute("simulate", "--scenario", scenario.toString(), "--out", out.toString(),
                "--truth", truth.toString());
        assertThat(exit).isZero();
        List<String> lines;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(out)), StandardCharsets.UTF_8))) {
            lines = r.lines().toList();
        }
        long unique = lines.stream().map(l -> AvroJson.fromJsonLine(l, ProbeMeasurement.class).getMeasurementId())
                .distinct().count();
        assertThat(unique).isEqualTo(3 * 2 * 24);
        assertThat(stdout.toString()).contains(lines.size() + " measurements")
                .contains((lines.size() - unique) + " duplicates").contains("records/s");
        assertThat(Truth.read(truth).episodes()).singleElement()
                .satisfies(e -> assertThat(e.target()).isEqualTo("x.com"));
    }

    @Test
    void formatOoniWritesRawOoniLinesThatReplayGuessesAndImports() throws Exception {
        Path scenario = dir.resolve("s.yaml");
        Files.writeString(scenario, """
                name: tiny-ooni
                seed: 3
                start: 2024-01-01T00:00:00Z
                end: 2024-01-01T01:00:00Z
                intervalMinutes: 5
                countries: [{code: PK, networks: [{asn: AS17557, name: PTCL, probes: 2}]}]
                targets: [x.com]
                controls: [example.com]
                noise: {failureRate: 0.0, lateShare: 0.0, lateMaxMinutes: 0, duplicateShare: 0.0}
                rhythm: {dailyAmplitude: 0, weekendFactor: 1}
                churn: {meanOfflineHours: 0}
                disruptions:
                  - {country: PK, targets: [x.com], share: 1.0, method: TLS, from: 2024-01-01T00:30:00Z, to: 2024-01-01T01:00:00Z, cause: CENSORSHIP}
                """);
        Path out = dir.resolve("m.jsonl");
        int exit = ReachwatchCli.commandLine().execute("simulate", "--scenario", scenario.toString(), "--out", out.toString(),
                "--format", "ooni");
        assertThat(exit).isZero();
        assertThat(Replay.guessFormat(out, 1 << 20)).isEqualTo(InputFormat.OONI);
        List<ProbeMeasurement> read = new java.util.ArrayList<>();
        ImportReport report = FeedImporter.importFile(out, InputFormat.OONI, read::add);
        assertThat(report.badLines()).isZero();
        assertThat(read).hasSize(2 * 2 * 12);
        assertThat(read).filteredOn(m -> m.getBlockingMethod() == BlockingMethod.TLS).hasSize(2 * 6)
                .allSatisfy(m -> assertThat(m.getTarget()).isEqualTo("x.com"));
        assertThat(read).extracting(ProbeMeasurement::getProbeId).allMatch(id -> id.startsWith("ooni:"));

        StringWriter err = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("simulate", "--scenario", scenario.toString(), "--out", out.toString(), "--format", "ooni-obs"))
                .isEqualTo(1);
        assertThat(err.toString()).contains("simulate writes native or ooni");
    }

    @Test
    void scenarioTypoIsOneLineNamingTheKey() throws Exception {
        Path scenario = dir.resolve("bad.yaml");
        Files.writeString(scenario, "name: x\nseeed: 1\n");
        StringWriter err = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("simulate", "--scenario", scenario.toString(), "--out", dir.resolve("o").toString());
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("seeed");
    }
}
