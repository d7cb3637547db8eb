package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.schemas.json.AvroJson;
import picocli.CommandLine;

/** {@code reachwatch report} on files as {@code replay --events-out/--windows-out} write them. */
class ReportCommandTest {
    private static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = ReachwatchCli.commandLine(Map.of()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void drawsAChartPerCountryAndTargetWithTheWindowsOfThoseOnly() throws Exception {
        Path events = lines(dir.resolve("e.jsonl"), List.of(
                AvroJson.toJsonLine(event("x.com", EventType.DISRUPTION_STARTED, 20)),
                "",
                AvroJson.toJsonLine(event("x.com", EventType.RESTORED, 50))));
        List<String> windows = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            windows.add(AvroJson.toJsonLine(window("x.com", null, i, i >= 4 && i < 10 ? 0.05 : 0.97)));
            windows.add(AvroJson.toJsonLine(window("x.com", "AS17557", i, i >= 4 && i < 10 ? 0.0 : 0.95)));
            windows.add(AvroJson.toJsonLine(window("quiet.example", null, i, 0.99)));
        }
        Path windowsFile = gzip(dir.resolve("w.jsonl.gz"), windows);
        Path report = dir.resolve("out/r.html");

        assertThat(run("report", "--events", events.toString(), "--windows", windowsFile.toString(), "--out", report.toString()))
                .as(err.toString()).isZero();

        assertThat(out.toString()).startsWith("2 events in 1 incidents, 24 of 36 windows charted -> 1 chart(s): ");
        String html = Files.readString(report);
        assertThat(html).contains("<title>reachwatch report: e.jsonl</title>", "<h2>x.com from PK</h2>", "DISRUPTION_STARTED",
                "RESTORED", "AS17557").doesNotContain("quiet.example");
        assertThat(html.split("<polyline ", -1)).hasSize(3);
    }

    @Test
    void withoutWindowsTheChartsShowTheEventsOnly() throws Exception {
        Path events = lines(dir.resolve("e.jsonl"), List.of(AvroJson.toJsonLine(event("x.com", EventType.DISRUPTION_STARTED, 20))));
        Path report = dir.resolve("r.html");

        assertThat(run("report", "--events", events.toString(), "--out", report.toString(), "--title", "PK, Feb 2024")).isZero();

        assertThat(out.toString()).startsWith("1 events in 1 incidents (no windows: events only) -> 1 chart(s)");
        assertThat(Files.readString(report)).contains("<h1>PK, Feb 2024</h1>", "<h2>x.com from PK</h2>").doesNotContain("<polyline");
    }

    @Test
    void filesSwappedOrBrokenAreOneLineErrorsNamingFileAndLine() throws Exception {
        Path events = lines(dir.resolve("e.jsonl"), List.of(AvroJson.toJsonLine(event("x.com", EventType.DISRUPTION_STARTED, 20))));
        Path windows = lines(dir.resolve("w.jsonl"), List.of(AvroJson.toJsonLine(window("x.com", null, 0, 0.9))));
        Path bad = lines(dir.resolve("bad.jsonl"), List.of(AvroJson.toJsonLine(event("x.com", EventType.RESTORED, 5)), "{\"eventId\":"));
        Path report = dir.resolve("r.html");

        assertThat(run("report", "--events", windows.toString(), "--out", report.toString())).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("reachwatch report: " + windows + " line 1 is not a disruption event: "
                + "DisruptionEvent.eventId is required (--events takes replay's --events-out file)" + System.lineSeparator());

        err.getBuffer().setLength(0);
        assertThat(run("report", "--events", events.toString(), "--windows", events.toString(), "--out", report.toString())).isEqualTo(1);
        assertThat(err.toString()).contains(events + " line 1 is not an availability window: AvailabilityWindow.windowStart is required");

        err.getBuffer().setLength(0);
        assertThat(run("report", "--events", bad.toString(), "--out", report.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("reachwatch report: " + bad + " line 2 is not a disruption event: not valid JSON");

        err.getBuffer().setLength(0);
        assertThat(run("report", "--events", dir.resolve("missing.jsonl").toString(), "--out", report.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("no such file: " + dir.resolve("missing.jsonl"));

        byte[] whole = Files.readAllBytes(gzip(dir.resolve("e.jsonl.gz"), List.of(AvroJson.toJsonLine(event("x.com",
                EventType.DISRUPTION_STARTED, 20)))));
        Path cut = Files.write(dir.resolve("cut.jsonl.gz"), java.util.Arrays.copyOf(whole, whole.length / 2));
        err.getBuffer().setLength(0);
        assertThat(run("report", "--events", cut.toString(), "--out", report.toString())).isEqualTo(1);
        assertThat(err.toString()).contains(cut + " is not a complete gzip file");
        assertThat(report).doesNotExist();
    }

    @Test
    void windowsOfAnotherReplayAreReported() throws Exception {
        Path events = lines(dir.resolve("e.jsonl"), List.of(AvroJson.toJsonLine(event("x.com", EventType.DISRUPTION_STARTED, 20))));
        Path windows = lines(dir.resolve("w.jsonl"), List.of(AvroJson.toJsonLine(window("telegram", null, 0, 0.9))));

        assertThat(run("report", "--events", events.toString(), "--windows", windows.toString(), "--out",
                dir.resolve("r.html").toString())).isZero();
        assertThat(err.toString()).contains("no window of " + windows + " is for a country and target of " + events);
    }

    private static Path lines(Path file, List<String> lines) throws Exception {
        return Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private static Path gzip(Path file, List<String> lines) throws Exception {
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
            o.write(String.join("\n", lines).concat("\n").getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    private static DisruptionEvent event(String target, EventType type, int minutes) {
        return DisruptionEvent.newBuilder().setEventId(target + "/" + type + "/" + minutes).setIncidentId("PK-" + target)
                .setType(type).setCountry("PK").setAsn(null).setTarget(target).setAt(T0.plus(Duration.ofMinutes(minutes)))
                .setDetectedAt(T0.plus(Duration.ofMinutes(minutes + 10))).setAvailability(0.05).setBaseline(0.97).build();
    }

    private static AvailabilityWindow window(String target, String asn, int index, double availability) {
        return AvailabilityWindow.newBuilder().setCountry("PK").setAsn(asn).setTarget(target)
                .setWindowStart(T0.plus(Duration.ofMinutes(5L * index))).setWindowEnd(T0.plus(Duration.ofMinutes(5L * index + 5)))
                .setTotal(40).setReachable((int) (40 * availability)).setUnreachable(40 - (int) (40 * availability))
                .setAvailability(availability).build();
    }
}
