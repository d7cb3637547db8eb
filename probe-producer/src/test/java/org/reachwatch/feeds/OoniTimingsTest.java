package org.reachwatch.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.ProbeMeasurement;

/**
 * The OONI importers carry the timings OONI publishes: raw measurements' df-006 / df-001 {@code t0}
 * and {@code t} (web_connectivity 0.5), and the obs_web export's {@code tls_handshake_time},
 * {@code http_runtime} and {@code http_response_body_length}. Expected values were read off the real
 * files with Python ({@code json.load}, {@code csv.DictReader}); see each test.
 */
class OoniTimingsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Offset<Double> MICRO = Offset.offset(1e-6);

    private static ObjectNode raw(String file) throws IOException {
        return (ObjectNode) MAPPER.readTree(Files.readString(SharedData.require("ooni/raw-samples/" + file)));
    }

    /**
     * webconnectivity_v05_IT_measurement.json: tls_handshakes[0] t0 0.197829, t 0.234189 (transaction 4);
     * requests[0] t0 0.234297, t 0.298679 (transaction 4), a 200 whose body is 36,546 bytes in UTF-8
     * ({@code len(body.encode('utf-8'))}).
     */
    @Test
    void webConnectivity05CarriesHandshakeAndDownloadTimesOfTheFinalRequest() throws IOException {
        ProbeMeasurement m = OoniRawParser.parse(raw("webconnectivity_v05_IT_measurement.json"));
        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.REACHABLE);
        assertThat(m.getTlsHandshakeMs()).isCloseTo(36.360, MICRO);
        assertThat(m.getDownloadMs()).isCloseTo(64.382, MICRO);
        assertThat(m.getBytesReceived()).isEqualTo(36_546L);
        assertThat(m.getThroughputBytesPerSecond()).isCloseTo(36_546 / 0.064382, Offset.offset(1e-3));
    }

    /** 20250527...ID (web_connectivity 0.4.3): requests have {@code t} but no {@code t0}, and no handshake list: nothing to carry. */
    @Test
    void measurementsWithoutStartTimesOfTheirStepsCarryNoTimings() throws IOException {
        ProbeMeasurement m = OoniRawParser.parse(raw("20250527233111.802678_ID_webconnectivity_5a37ec909dbf14e3.json"));
        assertThat(m.getHttpStatus()).isEqualTo(200);
        assertThat(m.getTlsHandshakeMs()).isNull();
        assertThat(m.getDownloadMs()).isNull();
        assertThat(m.getBytesReceived()).isNull();
        assertThat(m.getThroughputBytesPerSecond()).isNull();
    }

    @Test
    void failedRequestGivesNoDownloadAndFailedHandshakesAreSkipped() throws IOException {
        ObjectNode m = raw("webconnectivity_v05_IT_measurement.json");
        ObjectNode keys = (ObjectNode) m.get("test_keys");
        ((ObjectNode) keys.get("requests").get(0)).put("failure", "generic_timeout_error");
        ArrayNode handshakes = (ArrayNode) keys.get("tls_handshakes");
        ObjectNode failed = ((ObjectNode) handshakes.get(0).deepCopy()).put("failure", "connection_reset").put("t0", 0.1).put("t", 0.9);
        handshakes.insert(0, failed);
        ProbeMeasurement p = OoniRawParser.parse(m);
        assertThat(p.getTlsHandshakeMs()).as("the successful handshake, not the reset one").isCloseTo(36.360, MICRO);
        assertThat(p.getDownloadMs()).isNull();
        assertThat(p.getThroughputBytesPerSecond()).isNull();
    }

    @Test
    void handshakeOfTheFinalRequestsTransactionIsChosenAndBase64BodiesCountDecodedBytes() throws IOException {
        ObjectNode m = raw("webconnectivity_v05_IT_measurement.json");
        ObjectNode keys = (ObjectNode) m.get("test_keys");
        ArrayNode handshakes = (ArrayNode) keys.get("tls_handshakes");
        // a redirect: the final request is transaction 7, over a handshake of 120 ms listed after transaction 4's
        handshakes.add(((ObjectNode) handshakes.get(0).deepCopy()).put("transaction_id", 7).put("t0", 0.5).put("t", 0.62));
        ObjectNode request = (ObjectNode) keys.get("requests").get(0);
        request.put("transaction_id", 7).put("t0", 0.63).put("t", 1.63);
        byte[] body = new byte[1001];
        ((ObjectNode) request.get("response")).putObject("body").put("format", "base64")
                .put("data", Base64.getEncoder().encodeToString(body));
        ProbeMeasurement p = OoniRawParser.parse(m);
        assertThat(p.getTlsHandshakeMs()).isCloseTo(120.0, MICRO);
        assertThat(p.getBytesReceived()).isEqualTo(1001L);
        assertThat(p.getDownloadMs()).isCloseTo(1000.0, MICRO);
        assertThat(p.getThroughputBytesPerSecond()).isCloseTo(1001.0, MICRO);
    }

    @Test
    void base64LengthIsTheDecodedLengthPaddedOrNot() {
        for (int n = 0; n < 10; n++) {
            String padded = Base64.getEncoder().encodeToString(new byte[n]);
            String bare = Base64.getEncoder().withoutPadding().encodeToString(new byte[n]);
            assertThat(OoniRawRecord.base64Length(padded.toCharArray(), 0, padded.length())).isEqualTo(n);
            assertThat(OoniRawRecord.base64Length(bare.toCharArray(), 0, bare.length())).isEqualTo(n);
        }
        String text = "h\u00e9\u4e16\ud83d\ude00";
        assertThat(OoniRawRecord.utf8Length(text.toCharArray(), 0, text.length())).isEqualTo(1 + 2 + 3 + 4);
    }

    /**
     * Real Kenya 2023 rows, picked by measurement_uid (values from {@code csv.DictReader}):
     * web_connectivity ...957fd5152ec556b8, two rows with tls_handshake_time 0.6364853999999998 and no
     * tls_failure; ...8c669e7010dabfc3, a handshake that timed out (10.0152 s, generic_timeout_error);
     * telegram 0.2.0 ...1d432f756121b083, -0.16107925 on port 443 and 0.331518333 on port 80 (the
     * pipeline paired the handshake with the wrong connection); telegram 0.3.1 ...1a9d7a09d2948c64,
     * 0.1351882809999999. http_runtime is empty in every row of both files.
     */
    @Test
    void kenyaObservationRowsCarryHandshakeTimesOnlyWhereThePipelineIsConsistent() throws IOException {
        List<ProbeMeasurement> wc = importRows("2023-KE-web_connectivity-telegram.org.csv.gz",
                Set.of("20231102105533.468369_KE_webconnectivity_957fd5152ec556b8",
                        "20231115104302.984332_KE_webconnectivity_8c669e7010dabfc3"));
        assertThat(wc).hasSize(2);
        assertThat(wc.get(0).getTlsHandshakeMs()).isCloseTo(636.4853999999998, MICRO);
        assertThat(wc.get(1).getTlsFailure()).isEqualTo("generic_timeout_error");
        assertThat(wc.get(1).getTlsHandshakeMs()).as("a timed-out handshake has no handshake time").isNull();

        List<ProbeMeasurement> tg = importRows("2023-KE-telegram.csv.gz",
                Set.of("20231101011328.502296_KE_telegram_1d432f756121b083",
                        "20231101001804.122100_KE_telegram_1a9d7a09d2948c64"));
        assertThat(tg).extracting(ProbeMeasurement::getMeasurementId).containsExactly(
                "20231101001804.122100_KE_telegram_1a9d7a09d2948c64", "20231101011328.502296_KE_telegram_1d432f756121b083");
        assertThat(tg.get(0).getTlsHandshakeMs()).isCloseTo(135.1882809999999, MICRO);
        assertThat(tg.get(1).getTlsHandshakeMs()).as("negative on one row: none trusted").isNull();
        assertThat(wc).allSatisfy(m -> assertThat(m.getDownloadMs()).isNull());
        assertThat(tg).allSatisfy(m -> assertThat(m.getDownloadMs()).isNull());
    }

    /** Rows shaped like the obs_web export, with the HTTP columns the full obs_web table has. */
    @Test
    void observationHttpRuntimeAndBodyLengthGiveTheDownload() throws IOException {
        String header = "measurement_uid,probe_cc,probe_asn,measurement_start_time,test_name,report_id,input,hostname,ip,port,"
                + "tls_handshake_time,tls_failure,http_request_url,http_failure,http_runtime,http_response_body_length,"
                + "probe_analysis,failure_class";
        String text = String.join("\n", header,
                "m1,KE,33771,2023-11-10 06:00:00+00:00,web_connectivity,r1,https://t.me/,telegram.org,149.154.167.99,443.0,"
                        + "0.2081409999999999,,,,,,false,ok",
                "m1,KE,33771,2023-11-10 06:00:00+00:00,web_connectivity,r1,https://t.me/,telegram.org,149.154.167.99,443.0,"
                        + "0.2081409999999999,,https://telegram.org/,,1.25,50000.0,false,ok",
                "m2,KE,33771,2023-11-10 06:01:00+00:00,web_connectivity,r1,https://t.me/,telegram.org,149.154.167.99,443.0,"
                        + ",,https://telegram.org/,,0.5,,false,ok",
                "m3,KE,33771,2023-11-10 06:02:00+00:00,web_connectivity,r1,https://t.me/,telegram.org,149.154.167.99,443.0,"
                        + ",,https://telegram.org/,generic_timeout_error,10.01,1200.0,http-failure,http",
                "m4,KE,33771,2023-11-10 06:03:00+00:00,web_connectivity,r1,https://t.me/,telegram.org,149.154.167.99,443.0,"
                        + "fast,,,,,,false,ok");
        List<ProbeMeasurement> got = new ArrayList<>();
        ImportReport report = new OoniObservationReader().read(LineSource.of(text), "t", got::add);

        assertThat(got).extracting(ProbeMeasurement::getMeasurementId).containsExactly("m1", "m2", "m3");
        ProbeMeasurement m1 = got.get(0);
        assertThat(m1.getTlsHandshakeMs()).isCloseTo(208.1409999999999, MICRO);
        assertThat(m1.getDownloadMs()).isCloseTo(1250.0, MICRO);
        assertThat(m1.getBytesReceived()).isEqualTo(50_000L);
        assertThat(m1.getThroughputBytesPerSecond()).isCloseTo(40_000.0, MICRO);
        assertThat(got.get(1).getDownloadMs()).as("runtime without a body length").isCloseTo(500.0, MICRO);
        assertThat(got.get(1).getBytesReceived()).isNull();
        assertThat(got.get(1).getThroughputBytesPerSecond()).isNull();
        assertThat(got.get(2).getDownloadMs()).as("a failed request is not a download").isNull();
        assertThat(report.badLineDetails()).extracting(ImportReport.BadLine::reason).containsExactly("bad tls_handshake_time 'fast'");
    }

    private static List<ProbeMeasurement> importRows(String file, Set<String> uids) throws IOException {
        Path path = SharedData.require("ooni/kenya-telegram-2023/" + file);
        StringBuilder text = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(path)),
                StandardCharsets.UTF_8))) {
            text.append(in.readLine()).append('\n');
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                int comma = nthComma(line, 5);
                if (comma > 0 && uids.contains(line.substring(nthComma(line, 4) + 1, comma))) {
                    text.append(line).append('\n');
                }
            }
        }
        List<ProbeMeasurement> got = new ArrayList<>();
        ImportReport report = new OoniObservationReader().read(LineSource.of(text.toString()), file, got::add);
        assertThat(report.badLines()).isZero();
        return got;
    }

    /** Index of the n-th comma (1-based); the first five columns of these files are never quoted. */
    private static int nthComma(String line, int n) {
        int at = -1;
        for (int i = 0; i < n && (at = line.indexOf(',', at + 1)) >= 0; i++) {
            // advancing
        }
        return at;
    }
}
