package org.reachwatch.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.TestKind;

/** Every real raw OONI measurement in ../shared/data/ooni/raw-samples parses as expected or is rejected with a reason. */
class OoniRawSamplesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String DIR = "ooni/raw-samples";

    private static ProbeMeasurement parse(String file) throws IOException {
        return OoniRawParser.parse(MAPPER.readTree(Files.readString(SharedData.require(DIR + "/" + file))));
    }

    private static void expect(String file, String country, String asn, String target, MeasurementOutcome outcome,
                               BlockingMethod method) throws IOException {
        ProbeMeasurement m = parse(file);
        assertThat(m.getCountry()).as(file).isEqualTo(country);
        assertThat(m.getAsn()).as(file).isEqualTo(asn);
        assertThat(m.getTarget()).as(file).isEqualTo(target);
        assertThat(m.getOutcome()).as(file).isEqualTo(outcome);
        assertThat(m.getBlockingMethod()).as(file).isEqualTo(method);
        assertThat(m.getSource()).as(file).isEqualTo(MeasurementSource.OONI_IMPORT);
    }

    /** The expectation of each sample file; a new file in the folder without one fails the test. */
    private static final Map<String, Consumer<String>> EXPECTED = Map.ofEntries(
            Map.entry("web_connectivity_ir_fp.json", f -> run(() -> {
                expect(f, "IR", "AS197207", "facebook.com", MeasurementOutcome.UNREACHABLE, BlockingMethod.DNS);
                ProbeMeasurement m = parse(f);
                assertThat(m.getInput()).isEqualTo("https://www.facebook.com/");
                assertThat(m.getStartTime()).isEqualTo(Instant.parse("2022-08-15T19:01:30Z"));
                assertThat(m.getTestKind()).isEqualTo(TestKind.WEB_CONNECTIVITY);
                assertThat(m.getHttpFailure()).isEqualTo("generic_timeout_error");
                assertThat(m.getTcpFailure()).isEqualTo("generic_timeout_error");
                assertThat(m.getReportId()).isEqualTo("20220815T190043Z_webconnectivity_IR_197207_n1_cCbffjGasS4tFgb2");
            })),
            Map.entry("bug_352.json", f -> run(() ->
                    expect(f, "IR", "AS197207", "fa.wikipedia.org", MeasurementOutcome.UNREACHABLE, BlockingMethod.DNS))),
            Map.entry("web_connectivity_odd_hdr.json", f -> run(() -> {
                expect(f, "CN", "AS4134", "efindlove.com", MeasurementOutcome.UNREACHABLE, BlockingMethod.DNS);
                assertThat(parse(f).getMeasurementId()).isEqualTo("01201705167c104b698173927d63aadf48fb2fa1");
            })),
            Map.entry("requests_none.json", f -> run(() -> {
                expect(f, "SK", "AS6855", "wikispaces.com", MeasurementOutcome.UNREACHABLE, BlockingMethod.DNS);
                assertThat(parse(f).getDnsFailure()).isEqualTo("dns_nxdomain_error");
            })),
            Map.entry("bug_351.json", f -> run(() ->
                    expect(f, "NL", "AS5390", "fa.wikipedia.org", MeasurementOutcome.UNREACHABLE, BlockingMethod.HTTP_FAILURE))),
            Map.entry("report1.json", f -> run(() ->
                    expect(f, "US", "AS20115", "collegehumor.com", MeasurementOutcome.REACHABLE, BlockingMethod.NONE))),
            Map.entry("report2.json", f -> run(() ->
                    expect(f, "ES", "AS3352", "postmaster.co.uk", MeasurementOutcome.REACHABLE, BlockingMethod.NONE))),
            Map.entry("web_connectivity_null.json", f -> run(() ->
                    expect(f, "TM", "AS20661", "ajax.aspnetcdn.com", MeasurementOutcome.INCONCLUSIVE, BlockingMethod.UNKNOWN))),
            Map.entry("test_keys_none.json", f -> assertThatThrownBy(() -> parse(f))
                    .isInstanceOf(RejectedRecordException.class).hasMessageContaining("no test_keys")),
            Map.entry("web_connectivity_b64_hdr.json", f -> run(() -> {
                expect(f, "AU", "AS9443", "feminist.org", MeasurementOutcome.UNREACHABLE, BlockingMethod.HTTP_FAILURE);
                assertThat(parse(f).getHttpFailure()).isEqualTo("http_invalid_redirect_url");
            })),
            Map.entry("telegram_nourl.json", f -> run(() -> {
                expect(f, "IT", "AS30722", "telegram", MeasurementOutcome.REACHABLE, BlockingMethod.NONE);
                assertThat(parse(f).getTestKind()).isEqualTo(TestKind.TELEGRAM);
            })),
            Map.entry("20250527233111.802678_ID_webconnectivity_5a37ec909dbf14e3.json", f -> run(() ->
                    expect(f, "ID", "AS23693", "archive.org", MeasurementOutcome.REACHABLE, BlockingMethod.NONE))),
            Map.entry("webconnectivity_v05_IT_measurement.json", f -> run(() -> {
                expect(f, "IT", "AS30722", "nexa.polito.it", MeasurementOutcome.REACHABLE, BlockingMethod.NONE);
                assertThat(parse(f).getDnsAnswers()).isNotEmpty();
            })));

    @Test
    void everyRawSampleParsesAsExpectedOrIsRejectedWithAReason() throws IOException {
        Path dir = SharedData.require(DIR);
        Set<String> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).collect(Collectors.toSet());
        }
        assertThat(files).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
        EXPECTED.forEach((file, check) -> check.accept(file));
    }

    @Test
    void measurementsWithoutUidGetADeterministicIdFromReportInputAndTime() throws IOException {
        ProbeMeasurement a = parse("web_connectivity_ir_fp.json");
        ProbeMeasurement again = parse("web_connectivity_ir_fp.json");
        ProbeMeasurement other = parse("bug_352.json");
        assertThat(a.getMeasurementId()).startsWith("ooni-").isEqualTo(again.getMeasurementId())
                .isNotEqualTo(other.getMeasurementId());
    }

    @Test
    void samplesAsOneJsonlGzFileImportInOrderAndTheRejectedOneIsReportedWithItsLine() throws IOException {
        Path dir = SharedData.require(DIR);
        Path jsonl = Files.createTempFile("samples", ".jsonl.gz");
        String[] order = {"report1.json", "test_keys_none.json", "telegram_nourl.json", "bug_351.json"};
        try (var out = new java.io.PrintStream(new java.util.zip.GZIPOutputStream(Files.newOutputStream(jsonl)), false,
                java.nio.charset.StandardCharsets.UTF_8)) {
            for (String f : order) {
                out.println(MAPPER.readTree(Files.readString(dir.resolve(f))).toString());
            }
        }
        java.util.List<ProbeMeasurement> got = new java.util.ArrayList<>();
        ImportReport report = FeedImporter.importFile(jsonl, InputFormat.OONI, got::add);
        Files.delete(jsonl);
        assertThat(got).extracting(ProbeMeasurement::getTarget).containsExactly("collegehumor.com", "telegram", "fa.wikipedia.org");
        assertThat(report.measurements()).isEqualTo(3);
        assertThat(report.badLines()).isEqualTo(1);
        assertThat(report.badLineDetails().get(0).lineNumber()).isEqualTo(2);
        assertThat(report.badLineDetails().get(0).reason()).contains("no test_keys");
    }

    interface Check {
        void run() throws IOException;
    }

    private static void run(Check check) {
        try {
            check.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
