package org.reachwatch.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.json.AvroJson;

/** Bad lines are counted with their line numbers and reasons, and never stop an import. */
class FeedBadLinesTest {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");

    private static final String GOOD_OONI = "{\"test_name\":\"web_connectivity\",\"probe_cc\":\"pk\",\"probe_asn\":\"AS17557\","
            + "\"input\":\"https://X.com/\",\"measurement_start_time\":\"2024-02-17 20:00:00\",\"report_id\":\"r1\","
            + "\"measurement_uid\":\"uid-%d\",\"test_keys\":{\"blocking\":\"tcp_ip\",\"accessible\":false,"
            + "\"tcp_connect\":[{\"ip\":\"1.2.3.4\",\"port\":443,\"status\":{\"failure\":\"connection_reset\"}}]}}";

    private static List<ProbeMeasurement> got = new ArrayList<>();

    private static ImportReport read(InputFormat format, String text) throws IOException {
        got = new ArrayList<>();
        return FeedImporter.reader(format).read(LineSource.of(text), "test", got::add);
    }

    @Test
    void ooniJsonlCountsTruncatedGarbageAndIncompleteLinesAndKeepsGoing() throws IOException {
        String text = String.join("\n",
                GOOD_OONI.formatted(1),
                GOOD_OONI.formatted(2).substring(0, 80),                       // truncated JSON
                "garbage ~~~",
                GOOD_OONI.formatted(3).replace("\"probe_cc\":\"pk\",", ""),    // missing field
                GOOD_OONI.formatted(4).replace("web_connectivity", "dash"),   // unsupported test
                "",
                GOOD_OONI.formatted(5));
        ImportReport report = read(InputFormat.OONI, text);
        assertThat(got).extracting(ProbeMeasurement::getMeasurementId).containsExactly("uid-1", "uid-5");
        ProbeMeasurement m = got.get(0);
        assertThat(m.getCountry()).isEqualTo("PK");
        assertThat(m.getTarget()).isEqualTo("x.com");
        assertThat(m.getStartTime()).isEqualTo(T0);
        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.UNREACHABLE);
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.TCP_IP);
        assertThat(m.getTcpFailure()).isEqualTo("connection_reset");
        assertThat(report.linesRead()).isEqualTo(7);
        assertThat(report.badLines()).isEqualTo(4);
        assertThat(report.badLineDetails()).extracting(ImportReport.BadLine::lineNumber).containsExactly(2L, 3L, 4L, 5L);
        assertThat(report.badLineDetails().get(0).reason()).startsWith("not valid JSON");
        assertThat(report.badLineDetails().get(2).reason()).isEqualTo("missing probe_cc");
        assertThat(report.badLineDetails().get(3).reason()).contains("unsupported test_name 'dash'");
        assertThat(report.rejectedByKind()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
                "not valid JSON", 2L, "missing probe_cc", 1L, "unsupported test_name", 1L));
        assertThat(report.goodLines()).isEqualTo(2);
    }

    @Test
    void webConnectivitySemanticsFollowTs017() throws IOException {
        String base = "{\"test_name\":\"web_connectivity\",\"probe_cc\":\"PK\",\"probe_asn\":\"AS1\",\"input\":\"https://x.com/\","
                + "\"measurement_start_time\":\"2024-02-17 20:00:00\",\"measurement_uid\":\"u%d\",\"test_keys\":%s}";
        String text = String.join("\n",
                base.formatted(1, "{\"blocking\":false,\"accessible\":true}"),
                base.formatted(2, "{\"blocking\":false,\"accessible\":false}"),
                base.formatted(3, "{\"blocking\":\"http-diff\",\"accessible\":false}"),
                base.formatted(4, "{\"blocking\":\"http-failure\",\"accessible\":false,\"http_experiment_failure\":\"connection_reset\","
                        + "\"tls_handshakes\":[{\"failure\":\"connection_reset\"}]}"),
                base.formatted(5, "{\"blocking\":null,\"accessible\":null}"),
                base.formatted(6, "{\"blocking\":\"dns\",\"accessible\":false,\"queries\":[{\"answers\":[{\"ipv4\":\"10.10.34.35\"}]}]}"));
        read(InputFormat.OONI, text);
        assertThat(got).extracting(ProbeMeasurement::getOutcome).containsExactly(MeasurementOutcome.REACHABLE,
                MeasurementOutcome.SITE_DOWN, MeasurementOutcome.UNREACHABLE, MeasurementOutcome.UNREACHABLE,
                MeasurementOutcome.INCONCLUSIVE, MeasurementOutcome.UNREACHABLE);
        assertThat(got).extracting(ProbeMeasurement::getBlockingMethod).containsExactly(BlockingMethod.NONE,
                BlockingMethod.NONE, BlockingMethod.HTTP_BLOCKPAGE, BlockingMethod.TLS, BlockingMethod.UNKNOWN, BlockingMethod.DNS);
        assertThat(got.get(5).getDnsAnswers()).containsExactly("10.10.34.35");
        assertThat(got.get(5).getDnsBogon()).isTrue();
        assertThat(got.get(3).getTlsFailure()).isEqualTo("connection_reset");
    }

    @Test
    void serviceTestsMapToTheServiceWithTheirBlockingKeys() throws IOException {
        String base = "{\"test_name\":\"%s\",\"probe_cc\":\"KE\",\"probe_asn\":\"AS12455\",\"input\":null,"
                + "\"measurement_start_time\":\"2023-11-10 06:00:00\",\"measurement_uid\":\"s%d\",\"test_keys\":%s}";
        String text = String.join("\n",
                base.formatted("telegram", 1, "{\"telegram_tcp_blocking\":true,\"telegram_http_blocking\":true,\"telegram_web_status\":\"ok\"}"),
                base.formatted("telegram", 2, "{\"telegram_tcp_blocking\":false,\"telegram_http_blocking\":false,"
                        + "\"telegram_web_status\":\"blocked\",\"telegram_web_failure\":\"generic_timeout_error\","
                        + "\"tls_handshakes\":[{\"failure\":\"generic_timeout_error\"}]}"),
                base.formatted("signal", 3, "{\"signal_backend_status\":\"ok\"}"),
                base.formatted("whatsapp", 4, "{\"whatsapp_endpoints_status\":\"blocked\",\"registration_server_status\":\"ok\",\"whatsapp_web_status\":\"ok\"}"),
                base.formatted("facebook_messenger", 5, "{\"facebook_dns_blocking\":true,\"facebook_tcp_blocking\":false}"));
        read(InputFormat.OONI, text);
        assertThat(got).extracting(ProbeMeasurement::getTarget)
                .containsExactly("telegram", "telegram", "signal", "whatsapp", "facebook_messenger");
        assertThat(got).extracting(ProbeMeasurement::getBlockingMethod).containsExactly(BlockingMethod.TCP_IP,
                BlockingMethod.TLS, BlockingMethod.NONE, BlockingMethod.TCP_IP, BlockingMethod.DNS);
        assertThat(got.get(2).getOutcome()).isEqualTo(MeasurementOutcome.REACHABLE);
        assertThat(got.get(1).getHttpFailure()).isEqualTo("generic_timeout_error");
    }

    @Test
    void nativeLinesRoundTripAndBadOnesAreReported() throws IOException {
        ProbeMeasurement m = ProbeMeasurement.newBuilder().setMeasurementId("m1").setProbeId("p1").setCountry("PK")
                .setTarget("x.com").setStartTime(T0).setOutcome(MeasurementOutcome.UNREACHABLE)
                .setBlockingMethod(BlockingMethod.TLS).setTlsFailure("connection_reset").setSource(MeasurementSource.PROBE).build();
        String line = AvroJson.toJsonLine(m);
        ImportReport report = read(InputFormat.NATIVE, line + "\n{\"measurementId\":\"m2\"}\n{oops\n" + line + "\n");
        assertThat(got).containsExactly(m, m);
        assertThat(report.badLines()).isEqualTo(2);
        assertThat(report.badLineDetails()).extracting(ImportReport.BadLine::lineNumber).containsExactly(2L, 3L);
        assertThat(report.badLineDetails().get(0).reason()).contains("probeId");
    }

    private static final String HEADER = "report_id,input,test_name,test_version,measurement_uid,probe_cc,probe_asn,"
            + "probe_as_org_name,measurement_start_time,hostname,ip,port,dns_failure,dns_answer,tcp_failure,tls_failure,"
            + "http_failure,probe_analysis,failure_class";

    private static String row(String uid, String host, String ip, String tcpFailure, String tlsFailure, String failureClass) {
        return String.join(",", "r1", "", "telegram", "0.3.1", uid, "KE", "12455", "\"Jambonet, KE\"",
                "2023-11-10 06:00:00+00:00", host, ip, "443.0", "", host.isEmpty() ? "" : ip, tcpFailure, tlsFailure, "", "",
                failureClass);
    }

    @Test
    void observationRowsAreGroupedByUidEvenWhenInterleavedAndBadRowsAreCounted() throws IOException {
        String text = String.join("\n", HEADER,
                row("a", "", "149.154.175.50", "generic_timeout_error", "", "tcp"),
                row("b", "web.telegram.org", "149.154.167.99", "", "generic_timeout_error", "tls"),
                "r1,too,few,columns",
                row("a", "", "149.154.167.51", "generic_timeout_error", "", "tcp"),
                row("c", "", "149.154.167.51", "", "", "ok").replace("2023-11-10 06:00:00+00:00", "yesterday"),
                row("b", "", "149.154.175.50", "", "", "ok"),
                row("d", "", "149.154.175.50", "generic_timeout_error", "", "tcp"),
                row("d", "", "149.154.167.51", "", "", "ok"),
                "\"unterminated,quote");
        ImportReport report = read(InputFormat.OONI_OBS, text);
        assertThat(got).extracting(ProbeMeasurement::getMeasurementId).containsExactly("a", "b", "d");
        ProbeMeasurement a = got.get(0);
        assertThat(a.getAsn()).isEqualTo("AS12455");
        assertThat(a.getNetworkName()).isEqualTo("Jambonet, KE");
        assertThat(a.getTarget()).isEqualTo("telegram");
        assertThat(a.getStartTime()).isEqualTo(Instant.parse("2023-11-10T06:00:00Z"));
        assertThat(a.getOutcome()).isEqualTo(MeasurementOutcome.UNREACHABLE);
        assertThat(a.getBlockingMethod()).isEqualTo(BlockingMethod.TCP_IP);
        assertThat(got.get(1).getBlockingMethod()).isEqualTo(BlockingMethod.TLS);
        assertThat(got.get(1).getTlsFailure()).isEqualTo("generic_timeout_error");
        assertThat(got.get(2).getOutcome()).as("one data centre of two answering is not a block").isEqualTo(MeasurementOutcome.REACHABLE);
        assertThat(report.badLineDetails()).extracting(ImportReport.BadLine::lineNumber).containsExactly(4L, 6L, 10L);
        assertThat(report.badLineDetails().get(0).reason()).contains("expected 19 columns, found 4");
        assertThat(report.badLineDetails().get(1).reason()).contains("bad measurement_start_time 'yesterday'");
        assertThat(report.badLineDetails().get(2).reason()).contains("unterminated");
    }

    @Test
    void observationRowArrivingAfterItsMeasurementWasEvictedIsReportedNotSplit() throws IOException {
        String text = String.join("\n", HEADER,
                row("a", "", "149.154.175.50", "generic_timeout_error", "", "tcp"),
                row("b", "", "149.154.175.50", "", "", "ok"),
                row("a", "", "149.154.167.51", "", "", "ok"));
        got = new ArrayList<>();
        ImportReport report = new OoniObservationReader(1).read(LineSource.of(text), "t", got::add);
        assertThat(got).extracting(ProbeMeasurement::getMeasurementId).containsExactly("a", "b");
        assertThat(report.badLines()).isEqualTo(1);
        assertThat(report.badLineDetails().get(0).lineNumber()).isEqualTo(4);
        assertThat(report.badLineDetails().get(0).reason()).contains("late row for measurement a");
    }

    @Test
    void truncatedGzipFileKeepsEverythingBeforeTheDamageAndReportsIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 2_000; i++) {
            text.append(GOOD_OONI.formatted(i)).append('\n');
        }
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        byte[] all = gz.toByteArray();
        java.nio.file.Path file = dir.resolve("cut.jsonl.gz");
        java.nio.file.Files.write(file, java.util.Arrays.copyOf(all, all.length / 2)); // a download cut in the middle
        List<ProbeMeasurement> seen = new ArrayList<>();
        ImportReport report = FeedImporter.importFile(file, InputFormat.OONI, seen::add);
        assertThat(seen).isNotEmpty().hasSizeLessThan(2_000);
        assertThat(seen).extracting(ProbeMeasurement::getMeasurementId).startsWith("uid-0", "uid-1", "uid-2");
        assertThat(report.measurements()).isEqualTo(seen.size());
        assertThat(report.badLines()).isEqualTo(1);
        assertThat(report.badLineDetails().get(0).lineNumber()).isEqualTo(report.linesRead() + 1);
        assertThat(report.badLineDetails().get(0).reason()).startsWith("file truncated");
        assertThat(report.truncated()).isTrue();
        assertThat(report.rejectedByKind()).containsExactly(java.util.Map.entry(ImportReport.TRUNCATED, 1L));
    }
}
