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

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
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
    void aThrottledTargetIsChartedWithItsSpeedAndTheCountrysControlsFromHandWrittenLines() throws Exception {
        // The JSON view as replay writes it, typed by hand: the throttling fields by their contract names.
        Path events = lines(dir.resolve("e.jsonl"), List.of(
                "{\"eventId\":\"PK-x.com-1/t1\",\"incidentId\":\"PK-x.com-1\",\"type\":\"THROTTLING_STARTED\",\"country\":\"PK\","
                        + "\"asn\":null,\"target\":\"x.com\",\"at\":\"2024-02-17T20:20:00Z\",\"detectedAt\":\"2024-02-17T20:30:00Z\","
                        + "\"availability\":0.97,\"baseline\":0.97,\"cause\":\"CENSORSHIP\",\"methods\":[\"THROTTLING\"],"
                        + "\"throughputBytesPerSecond\":16000.0,\"expectedThroughputBytesPerSecond\":1500000.0,"
                        + "\"networks\":[{\"asn\":\"AS17557\",\"throttled\":true,\"throughputBytesPerSecond\":15000.0},"
                        + "{\"asn\":\"AS59257\",\"throttled\":false,\"throughputBytesPerSecond\":1400000.0}]}",
                "{\"eventId\":\"PK-x.com-1/t2\",\"incidentId\":\"PK-x.com-1\",\"type\":\"THROTTLING_ENDED\",\"country\":\"PK\","
                        + "\"asn\":null,\"target\":\"x.com\",\"at\":\"2024-02-17T20:40:00Z\",\"detectedAt\":\"2024-02-17T20:50:00Z\","
                        + "\"throughputBytesPerSecond\":1450000.0,\"expectedThroughputBytesPerSecond\":1500000.0}"));
        List<String> windows = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            AvailabilityWindow x = window("x.com", null, i, 0.97);
            x.setMedianThroughputBytesPerSecond(i >= 4 && i < 8 ? 16_000.0 : 1_500_000.0);
            windows.add(AvroJson.toJsonLine(x));
            for (String[] control : new String[][] {{"PK", null}, {"PK", "AS17557"}, {"IN", null}}) {
                AvailabilityWindow c = window("example.com", control[1], i, 0.99);
                c.setCountry(control[0]);
                c.setControl(true);
                c.setMedianThroughputBytesPerSecond(2_000_000.0);
                windows.add(AvroJson.toJsonLine(c));
            }
        }
        Path windowsFile = lines(dir.resolve("w.jsonl"), windows);
        Path report = dir.resolve("r.html");

        assertThat(run("report", "--events", events.toString(), "--windows", windowsFile.toString(), "--out", report.toString()))
                .as(err.toString()).isZero();

        // x.com and PK's country-level control only.
        assertThat(out.toString()).startsWith("2 events in 1 incidents, 24 of 48 windows charted -> 1 chart(s)");
        Document page = Jsoup.parse(report.toFile(), "UTF-8");
        assertThat(page.select("section.target").eachAttr("data-target")).containsExactly("x.com");
        assertThat(page.select("svg.speed polyline.country").attr("points").split(" ")).hasSize(12);
        assertThat(page.select("svg.speed polyline.control").attr("points").split(" ")).hasSize(12);
        assertThat(page.select("svg.speed rect.phase-throttled")).hasSize(1);
        assertThat(page.select("tr.event[data-type=THROTTLING_STARTED] td.throttled-networks").text()).isEqualTo("AS17557 (120 kbit/s)");
        assertThat(page.select("tr.event[data-type=THROTTLING_ENDED] td.speed").text()).isEqualTo("11.6 Mbit/s");
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
