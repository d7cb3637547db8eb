package org.reachwatch.feeds;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

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
    private static final int MAX_ANSWERS = 32;

    private OoniRawParser() {
    }

    public static ProbeMeasurement parse(JsonNode m) {
        if (m == null || !m.isObject()) {
            throw new RejectedRecordException("not a JSON object");
        }
        String testName = text(m, "test_name");
        if (testName == null) {
            throw new RejectedRecordException("missing test_name");
        }
        TestKind kind = OoniFields.testKind(testName);
        JsonNode keys = m.get("test_keys");
        if (keys == null || !keys.isObject()) {
            throw new RejectedRecordException("no test_keys", "no test_keys (" + testName + " measurement without results)");
        }
        String country = OoniFields.country(text(m, "probe_cc"));
        String rawTime = text(m, "measurement_start_time");
        Instant start = OoniFields.startTime(rawTime);
        String asn = OoniFields.asn(text(m, "probe_asn"));
        String input = text(m, "input");
        String reportId = text(m, "report_id");
        String uid = text(m, "measurement_uid");

        ProbeMeasurement.Builder b = ProbeMeasurement.newBuilder()
                .setMeasurementId(uid != null ? uid : OoniFields.derivedId(reportId, input, rawTime))
                .setProbeId(OoniFields.probeId(reportId, country, asn))
                .setCountry(country)
                .setAsn(asn)
                .setNetworkName(text(m, "probe_network_name"))
                .setInput(input)
                .setTestKind(kind)
                .setStartTime(start)
                .setSource(MeasurementSource.OONI_IMPORT)
                .setReportId(reportId)
                .setSoftwareName(text(m, "software_name"))
                .setSoftwareVersion(text(m, "software_version"));
        JsonNode runtime = m.get("test_runtime");
        if (runtime != null && runtime.isNumber()) {
            b.setRuntimeMs(Math.round(runtime.asDouble() * 1000));
        }
        recordNetworkDetail(keys, b);
        recordTimings(keys, kind, b);
        switch (kind) {
            case WEB_CONNECTIVITY -> webConnectivity(keys, input, b);
            case TELEGRAM -> telegram(keys, b);
            case SIGNAL -> signal(keys, b);
            case WHATSAPP -> whatsapp(keys, b);
            case FACEBOOK_MESSENGER -> facebookMessenger(keys, b);
            default -> throw new RejectedRecordException("unsupported test_name", "unsupported test_name '" + testName + "'");
        }
        return b.build();
    }

    private static void webConnectivity(JsonNode keys, String input, ProbeMeasurement.Builder b) {
        b.setTarget(OoniFields.targetOfUrl(input));
        if (text(keys, "dns_experiment_failure") != null) {
            b.setDnsFailure(text(keys, "dns_experiment_failure"));
        }
        String httpFailure = text(keys, "http_experiment_failure");
        b.setHttpFailure(httpFailure);
        JsonNode blocking = keys.get("blocking");
        if (blocking == null || blocking.isNull()) {
            b.setOutcome(MeasurementOutcome.INCONCLUSIVE).setBlockingMethod(BlockingMethod.UNKNOWN);
        } else if (blocking.isBoolean()) {
            if (blocking.asBoolean()) {
                // ts-017 never emits true; treat it as blocking of an unknown kind rather than guess a layer
                b.setOutcome(MeasurementOutcome.UNREACHABLE).setBlockingMethod(BlockingMethod.UNKNOWN);
            } else {
                JsonNode accessible = keys.get("accessible");
                boolean down = accessible != null && accessible.isBoolean() && !accessible.asBoolean();
                b.setOutcome(down ? MeasurementOutcome.SITE_DOWN : MeasurementOutcome.REACHABLE)
                        .setBlockingMethod(BlockingMethod.NONE);
            }
        } else {
            String value = blocking.asText();
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

    private static void telegram(JsonNode keys, ProbeMeasurement.Builder b) {
        b.setTarget("telegram");
        Boolean tcp = bool(keys, "telegram_tcp_blocking");
        Boolean http = bool(keys, "telegram_http_blocking");
        String web = text(keys, "telegram_web_status");
        String webFailure = text(keys, "telegram_web_failure");
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

    private static void signal(JsonNode keys, ProbeMeasurement.Builder b) {
        b.setTarget("signal");
        statusTest(b, text(keys, "signal_backend_status"), text(keys, "signal_backend_failure"));
    }

    private static void whatsapp(JsonNode keys, ProbeMeasurement.Builder b) {
        b.setTarget("whatsapp");
        String endpoints = text(keys, "whatsapp_endpoints_status");
        String registration = text(keys, "registration_server_status");
        String web = text(keys, "whatsapp_web_status");
        if ("blocked".equals(endpoints)) {
            unreachable(b, BlockingMethod.TCP_IP);
        } else if ("blocked".equals(registration)) {
            unreachable(b, webMethod(text(keys, "registration_server_failure"), b));
        } else if ("blocked".equals(web)) {
            unreachable(b, webMethod(text(keys, "whatsapp_web_failure"), b));
        } else if (endpoints == null && registration == null && web == null) {
            b.setOutcome(MeasurementOutcome.INCONCLUSIVE).setBlockingMethod(BlockingMethod.UNKNOWN);
        } else {
            b.setOutcome(MeasurementOutcome.REACHABLE).setBlockingMethod(BlockingMethod.NONE);
        }
    }

    private static void facebookMessenger(JsonNode keys, ProbeMeasurement.Builder b) {
        b.setTarget("facebook_messenger");
        Boolean dns = bool(keys, "facebook_dns_blocking");
        Boolean tcp = bool(keys, "facebook_tcp_blocking");
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
    private static void recordNetworkDetail(JsonNode keys, ProbeMeasurement.Builder b) {
        Set<String> answers = new LinkedHashSet<>();
        String dnsFailure = null;
        for (JsonNode q : iter(keys.get("queries"))) {
            if (dnsFailure == null) {
                dnsFailure = text(q, "failure");
            }
            for (JsonNode a : iter(q.get("answers"))) {
                String ip = text(a, "ipv4") != null ? text(a, "ipv4") : text(a, "ipv6");
                if (ip != null && answers.size() < MAX_ANSWERS) {
                    answers.add(ip);
                }
            }
        }
        b.setDnsAnswers(new ArrayList<>(answers));
        b.setDnsBogon(answers.stream().anyMatch(Bogons::isBogon));
        b.setDnsFailure(dnsFailure);
        b.setResolver(text(keys, "client_resolver"));
        for (JsonNode c : iter(keys.get("tcp_connect"))) {
            String f = text(c.path("status"), "failure");
            if (f != null) {
                b.setTcpFailure(f);
                break;
            }
        }
        for (JsonNode h : iter(keys.get("tls_handshakes"))) {
            String f = text(h, "failure");
            if (f != null) {
                b.setTlsFailure(f);
                break;
            }
        }
        List<JsonNode> requests = iter(keys.get("requests"));
        if (!requests.isEmpty()) {
            JsonNode code = requests.get(0).path("response").get("code");
            if (code != null && code.canConvertToInt() && code.asInt() > 0) {
                b.setHttpStatus(code.asInt());
            }
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
    private static void recordTimings(JsonNode keys, TestKind kind, ProbeMeasurement.Builder b) {
        JsonNode handshakes = keys.get("tls_handshakes");
        JsonNode requests = keys.get("requests");
        JsonNode last = kind == TestKind.WEB_CONNECTIVITY && requests != null && requests.isArray() && requests.size() > 0
                ? requests.get(0) : null;
        JsonNode transaction = last == null ? null : last.get("transaction_id");
        Double handshake = null;
        if (handshakes != null && handshakes.isArray()) {
            for (JsonNode h : handshakes) {
                Double d = h.hasNonNull("failure") ? null : duration(h);
                if (d == null) {
                    continue;
                }
                if (transaction != null && transaction.isNumber() && transaction.equals(h.get("transaction_id"))) {
                    handshake = d;
                    break;
                }
                if (handshake == null) {
                    handshake = d;
                }
            }
        }
        b.setTlsHandshakeMs(handshake);
        if (last == null || last.hasNonNull("failure")) {
            return;
        }
        Double download = duration(last);
        long bytes = bodyLength(last.path("response").get("body"));
        if (download != null && bytes > 0) {
            b.setBytesReceived(bytes).setDownloadMs(download).setThroughputBytesPerSecond(bytes / (download / 1000));
        }
    }

    /** {@code (t - t0)} in milliseconds, or null when either is missing or the difference is not positive. */
    private static Double duration(JsonNode step) {
        JsonNode t0 = step.get("t0");
        JsonNode t = step.get("t");
        if (t0 == null || t == null || !t0.isNumber() || !t.isNumber()) {
            return null;
        }
        double ms = (t.asDouble() - t0.asDouble()) * 1000;
        return ms > 0 && Double.isFinite(ms) ? ms : null;
    }

    /** Bytes of a df-001 body: a string (UTF-8 text) or {"format": "base64", "data": ...}; 0 when absent. */
    static long bodyLength(JsonNode body) {
        if (body == null || body.isNull()) {
            return 0;
        }
        if (body.isTextual()) {
            return utf8Length(body.textValue());
        }
        JsonNode data = body.get("data");
        if (body.isObject() && "base64".equals(text(body, "format")) && data != null && data.isTextual()) {
            String d = data.textValue();
            int n = d.length();
            int pad = n > 0 && d.charAt(n - 1) == '=' ? (n > 1 && d.charAt(n - 2) == '=' ? 2 : 1) : 0;
            return n / 4 * 3L - pad + (n % 4 == 0 ? 0 : n % 4 - 1);
        }
        return 0;
    }

    private static long utf8Length(String s) {
        long bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static List<JsonNode> iter(JsonNode node) {
        List<JsonNode> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(out::add);
        }
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        if (v == null || v.isNull() || v.isContainerNode()) {
            return null;
        }
        String s = v.asText();
        return s.isEmpty() ? null : s;
    }

    private static Boolean bool(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        String s = v.asText().toLowerCase(Locale.ROOT);
        return "true".equals(s) ? Boolean.TRUE : "false".equals(s) ? Boolean.FALSE : null;
    }
}
