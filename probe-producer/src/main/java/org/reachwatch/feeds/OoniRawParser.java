package org.reachwatch.feeds;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.TestKind;
import org.reachwatch.probe.Bogons;

/**
 * Maps one raw OONI measurement (df-000-base) to a {@link ProbeMeasurement}.
 *
 * <p>web_connectivity follows ts-017: {@code blocking} false with {@code accessible} true is
 * REACHABLE, false with accessible false is SITE_DOWN (the site is down for the control too);
 * "dns" / "tcp_ip" / "http-failure" / "http-diff" are UNREACHABLE by DNS / TCP_IP / HTTP_FAILURE /
 * HTTP_BLOCKPAGE, except that an "http-failure" whose failure strings come from the TLS handshake is
 * classified TLS; null is INCONCLUSIVE. telegram, signal, whatsapp and facebook_messenger become
 * measurements of the service ("telegram", ...) with the outcome their test keys state.
 *
 * <p>Timings are carried where OONI published them (see {@code recordTimings}: TLS handshake, page download).
 *
 * <p>Rejected, with the reason in a {@link RejectedRecordException}: other test names, missing or
 * malformed probe_cc / measurement_start_time / test_name, a null or absent {@code test_keys}, and a
 * web_connectivity without an input URL.
 */
public final class OoniRawParser {
    private static final JsonFactory JSON = new JsonFactory();

    private OoniRawParser() {
    }

    /** Parses one line of raw OONI JSON; invalid JSON is rejected as "not valid JSON". */
    public static ProbeMeasurement parse(String line) {
        try (JsonParser p = JSON.createParser(line)) {
            return map(OoniRawRecord.read(p));
        } catch (JsonProcessingException e) {
            throw new RejectedRecordException("not valid JSON", "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading a string cannot fail", e);
        }
    }

    /** Parses a measurement already read as a JSON tree. */
    public static ProbeMeasurement parse(JsonNode m) {
        if (m == null || !m.isObject()) {
            throw new RejectedRecordException("not a JSON object");
        }
        try (JsonParser p = m.traverse()) {
            return map(OoniRawRecord.read(p));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("a JSON tree cannot fail to read", e);
        }
    }

    private static ProbeMeasurement map(OoniRawRecord m) {
        String testName = m.text("test_name");
        if (testName == null) {
            throw new RejectedRecordException("missing test_name");
        }
        TestKind kind = OoniFields.testKind(testName);
        if (!m.hasKeys) {
            throw new RejectedRecordException("no test_keys", "no test_keys (" + testName + " measurement without results)");
        }
        String country = OoniFields.country(m.text("probe_cc"));
        String rawTime = m.text("measurement_start_time");
        Instant start = OoniFields.startTime(rawTime);
        String asn = OoniFields.asn(m.text("probe_asn"));
        String input = m.text("input");
        String reportId = m.text("report_id");
        String uid = m.text("measurement_uid");

        ProbeMeasurement.Builder b = ProbeMeasurement.newBuilder()
                .setMeasurementId(uid != null ? uid : OoniFields.derivedId(reportId, input, rawTime))
                .setProbeId(OoniFields.probeId(reportId, country, asn))
                .setCountry(country)
                .setAsn(asn)
                .setNetworkName(m.text("probe_network_name"))
                .setInput(input)
                .setTestKind(kind)
                .setStartTime(start)
                .setSource(MeasurementSource.OONI_IMPORT)
                .setReportId(reportId)
                .setSoftwareName(m.text("software_name"))
                .setSoftwareVersion(m.text("software_version"));
        OoniRawRecord.Scalar runtime = m.top.get("test_runtime");
        if (runtime != null && runtime.isNumber()) {
            b.setRuntimeMs(Math.round(Double.parseDouble(runtime.text()) * 1000));
        }
        recordNetworkDetail(m, b);
        recordTimings(m, kind, b);
        switch (kind) {
            case WEB_CONNECTIVITY -> webConnectivity(m, input, b);
            case TELEGRAM -> telegram(m, b);
            case SIGNAL -> signal(m, b);
            case WHATSAPP -> whatsapp(m, b);
            case FACEBOOK_MESSENGER -> facebookMessenger(m, b);
            default -> throw new RejectedRecordException("unsupported test_name", "unsupported test_name '" + testName + "'");
        }
        return b.build();
    }

    private static void webConnectivity(OoniRawRecord keys, String input, ProbeMeasurement.Builder b) {
        b.setTarget(OoniFields.targetOfUrl(input));
        if (keys.key("dns_experiment_failure") != null) {
            b.setDnsFailure(keys.key("dns_experiment_failure"));
        }
        String httpFailure = keys.key("http_experiment_failure");
        b.setHttpFailure(httpFailure);
        OoniRawRecord.Scalar blocking = keys.keys.get("blocking");
        if (blocking == null || blocking.isNull()) {
            b.setOutcome(MeasurementOutcome.INCONCLUSIVE).setBlockingMethod(BlockingMethod.UNKNOWN);
        } else if (blocking.isBoolean()) {
            if (blocking.token() == JsonToken.VALUE_TRUE) {
                // ts-017 never emits true; treat it as blocking of an unknown kind rather than guess a layer
                b.setOutcome(MeasurementOutcome.UNREACHABLE).setBlockingMethod(BlockingMethod.UNKNOWN);
            } else {
                OoniRawRecord.Scalar accessible = keys.keys.get("accessible");
                boolean down = accessible != null && accessible.token() == JsonToken.VALUE_FALSE;
                b.setOutcome(down ? MeasurementOutcome.SITE_DOWN : MeasurementOutcome.REACHABLE)
                        .setBlockingMethod(BlockingMethod.NONE);
            }
        } else {
            String value = blocking.text();
            BlockingMethod method = switch (value) {
                case "dns" -> BlockingMethod.DNS;
                case "tcp_ip" -> BlockingMethod.TCP_IP;
                case "http-failure" -> OoniFields.isTlsFailure(httpFailure) || b.getTlsFailure() != null
                        ? BlockingMethod.TLS : BlockingMethod.HTTP_FAILURE;
                case "http-diff" -> BlockingMethod.HTTP_BLOCKPAGE;
                default -> null;
            };
            if (method == null) {
                b.setOutcome(MeasurementOutcome.INCONCLUSIVE).setBlockingMethod(BlockingMethod.UNKNOWN);
            } else {
                b.setOutcome(MeasurementOutcome.UNREACHABLE).setBlockingMethod(method);
            }
        }
    }

    private static void telegram(OoniRawRecord keys, ProbeMeasurement.Builder b) {
        b.setTarget("telegram");
        Boolean tcp = keys.bool("telegram_tcp_blocking");
        Boolean http = keys.bool("telegram_http_blocking");
        String web = keys.key("telegram_web_status");
        String webFailure = keys.key("telegram_web_failure");
        if (Boolean.TRUE.equals(tcp)) {
            unreachable(b, BlockingMethod.TCP_IP);
        } else if (Boolean.TRUE.equals(http)) {
            unreachable(b, BlockingMethod.HTTP_FAILURE);
        } else if ("blocked".equals(web)) {
            unreachable(b, webMethod(webFailure, b));
        } else if (tcp == null && http == null && web == null) {
            b.setOutcome(MeasurementOutcome.INCONCLUSIVE).setBlockingMethod(BlockingMethod.UNKNOWN);
        } else {
            b.setOutcome(MeasurementOutcome.REACHABLE).setBlockingMethod(BlockingMethod.NONE);
        }
        if (webFailure != null && b.getHttpFailure() == null) {
            b.setHttpFailure(webFailure);
        }
    }

    private static void signal(OoniRawRecord keys, ProbeMeasurement.Builder b) {
        b.setTarget("signal");
        statusTest(b, keys.key("signal_backend_status"), keys.key("signal_backend_failure"));
    }

    private static void whatsapp(OoniRawRecord keys, ProbeMeasurement.Builder b) {
        b.setTarget("whatsapp");
        String endpoints = keys.key("whatsapp_endpoints_status");
        String registration = keys.key("registration_server_status");
        String web = keys.key("whatsapp_web_status");
        if ("blocked".equals(endpoints)) {
            unreachable(b, BlockingMethod.TCP_IP);
        } else if ("blocked".equals(registration)) {
            unreachable(b, webMethod(keys.key("registration_server_failure"), b));
        } else if ("blocked".equals(web)) {
            unreachable(b, webMethod(keys.key("whatsapp_web_failure"), b));
        } else if (endpoints == null && registration == null && web == null) {
            b.setOutcome(MeasurementOutcome.INCONCLUSIVE).setBlockingMethod(BlockingMethod.UNKNOWN);
        } else {
            b.setOutcome(MeasurementOutcome.REACHABLE).setBlockingMethod(BlockingMethod.NONE);
        }
    }

    private static void facebookMessenger(OoniRawRecord keys, ProbeMeasurement.Builder b) {
        b.setTarget("facebook_messenger");
        Boolean dns = keys.bool("facebook_dns_blocking");
        Boolean tcp = keys.bool("facebook_tcp_blocking");
        if (Boolean.TRUE.equals(dns)) {
            unreachable(b, BlockingMethod.DNS);
        } else if (Boolean.TRUE.equals(tcp)) {
            unreachable(b, BlockingMethod.TCP_IP);
        } else if (dns == null && tcp == null) {
            b.setOutcome(MeasurementOutcome.INCONCLUSIVE).setBlockingMethod(BlockingMethod.UNKNOWN);
        } else {
            b.setOutcome(MeasurementOutcome.REACHABLE).setBlockingMethod(BlockingMethod.NONE);
        }
    }

    private static void statusTest(ProbeMeasurement.Builder b, String status, String failure) {
        if ("blocked".equals(status)) {
            unreachable(b, webMethod(failure, b));
        } else if (status == null) {
            b.setOutcome(MeasurementOutcome.INCONCLUSIVE).setBlockingMethod(BlockingMethod.UNKNOWN);
        } else {
            b.setOutcome(MeasurementOutcome.REACHABLE).setBlockingMethod(BlockingMethod.NONE);
        }
        if (failure != null && b.getHttpFailure() == null) {
            b.setHttpFailure(failure);
        }
    }

    /** Layer of a service test's web failure: the first failing layer seen in the network events. */
    private static BlockingMethod webMethod(String failure, ProbeMeasurement.Builder b) {
        if (b.getDnsFailure() != null) {
            return BlockingMethod.DNS;
        }
        if (b.getTcpFailure() != null) {
            return BlockingMethod.TCP_IP;
        }
        if (b.getTlsFailure() != null || OoniFields.isTlsFailure(failure)) {
            return BlockingMethod.TLS;
        }
        return BlockingMethod.HTTP_FAILURE;
    }

    private static void unreachable(ProbeMeasurement.Builder b, BlockingMethod method) {
        b.setOutcome(MeasurementOutcome.UNREACHABLE).setBlockingMethod(method);
    }

    /** DNS answers, bogon flag, resolver, first TCP and TLS failure, HTTP status: common to all tests. */
    private static void recordNetworkDetail(OoniRawRecord keys, ProbeMeasurement.Builder b) {
        List<String> answers = new ArrayList<>(keys.answers);
        b.setDnsAnswers(answers);
        b.setDnsBogon(answers.stream().anyMatch(Bogons::isBogon));
        b.setDnsFailure(keys.firstDnsFailure);
        b.setResolver(keys.key("client_resolver"));
        b.setTcpFailure(keys.firstTcpFailure);
        for (OoniRawRecord.Step h : keys.handshakes) {
            if (h.failure != null) {
                b.setTlsFailure(h.failure);
                break;
            }
        }
        OoniRawRecord.Request first = keys.firstRequest;
        if (first != null && first.code != null && first.code > 0) {
            b.setHttpStatus(first.code);
        }
    }

    /**
     * OONI's per-step times (df-006 {@code tls_handshakes[]}, df-001 {@code requests[]}: {@code t0} and
     * {@code t}, seconds since measurement start; {@code t0} exists since web_connectivity 0.5, so older
     * measurements carry none). {@code tlsHandshakeMs} is {@code t - t0} of the successful handshake of
     * the final request's transaction (else the first successful one). For web_connectivity, the final
     * request ({@code requests[0]}: OONI lists the redirect chain last first) gives {@code bytesReceived}
     * (its body's length: decoded, as OONI stores it, possibly truncated at OONI's snapshot size) and
     * {@code downloadMs} = its {@code t - t0}: request written to body read. Unlike the probe's, that
     * time includes the request and the server's time to first byte (OONI records no first-byte time),
     * so the throughput is a lower bound, comparable between OONI measurements. A request that failed
     * or brought no body gives no download; zero or negative durations are not carried.
     */
    private static void recordTimings(OoniRawRecord keys, TestKind kind, ProbeMeasurement.Builder b) {
        OoniRawRecord.Request last = kind == TestKind.WEB_CONNECTIVITY ? keys.firstRequest : null;
        Long transaction = last == null ? null : last.transactionId;
        Double handshake = null;
        for (OoniRawRecord.Step h : keys.handshakes) {
            Double d = h.failed ? null : duration(h);
            if (d == null) {
                continue;
            }
            if (transaction != null && transaction.equals(h.transactionId)) {
                handshake = d;
                break;
            }
            if (handshake == null) {
                handshake = d;
            }
        }
        b.setTlsHandshakeMs(handshake);
        if (last == null || last.failed) {
            return;
        }
        Double download = duration(last);
        if (download != null && last.bodyBytes > 0) {
            b.setBytesReceived(last.bodyBytes).setDownloadMs(download)
                    .setThroughputBytesPerSecond(last.bodyBytes / (download / 1000));
        }
    }

    /** {@code (t - t0)} in milliseconds, or null when either is missing or the difference is not positive. */
    private static Double duration(OoniRawRecord.Step step) {
        if (step.t0 == null || step.t == null) {
            return null;
        }
        double ms = (step.t - step.t0) * 1000;
        return ms > 0 && Double.isFinite(ms) ? ms : null;
    }

}
