package org.reachwatch.feeds;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.reachwatch.avro.ProbeMeasurement;

/**
 * Writes a {@link ProbeMeasurement} as one raw OONI web_connectivity measurement (df-000-base,
 * ts-017 test keys, df-002/005/006/001 step lists), the shape {@link OoniRawParser} reads: used to
 * turn simulated fleets into OONI-format files ({@code simulate --format ooni}) for replays and
 * benchmarks of the OONI import path.
 *
 * <p>What survives the round trip (write, then {@link OoniRawParser#parse}): measurement id
 * ({@code measurement_uid}), country, ASN, network name, target (from {@code input}), start time to the
 * second (OONI's {@code measurement_start_time} has no fraction), outcome and blocking method (via
 * ts-017 {@code blocking} / {@code accessible}; TLS is {@code "http-failure"} with the failure in
 * {@code tls_handshakes}), DNS answers and the DNS, TCP and TLS failures, HTTP status, runtime and the
 * TLS handshake time (as {@code t0}/{@code t}). What does not: the probe id becomes
 * {@code ooni:<report_id>} (one report id per probe, so distinct probes stay distinct), the control
 * flag (OONI's format has none: controls read back as ordinary targets), SITE_DOWN's layer (ts-017
 * says only "accessible: false"), the HTTP failure of a measurement that failed earlier (OONI reports
 * the first failure of the HTTP experiment there, as this writer does), and the timed download (OONI
 * carries a download's size only as the body itself).
 */
public final class OoniRawWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter START = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private OoniRawWriter() {
    }

    /** The measurement as one line of OONI raw JSON (no newline). */
    public static String toJsonLine(ProbeMeasurement m) {
        try {
            return MAPPER.writeValueAsString(toJson(m));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write OONI JSON for " + m.getMeasurementId(), e);
        }
    }

    static ObjectNode toJson(ProbeMeasurement m) {
        ObjectNode o = MAPPER.createObjectNode();
        String asnNumber = m.getAsn() == null ? "0" : m.getAsn().substring(2);
        o.put("measurement_uid", m.getMeasurementId());
        o.put("report_id", "sim_webconnectivity_" + m.getCountry() + "_" + asnNumber + "_n1_" + m.getProbeId());
        o.put("test_name", "web_connectivity");
        o.put("test_version", "0.5.26");
        o.put("data_format_version", "0.2.0");
        o.put("probe_cc", m.getCountry());
        o.put("probe_asn", m.getAsn() == null ? "AS0" : m.getAsn());
        o.put("probe_network_name", m.getNetworkName());
        o.put("measurement_start_time", START.format(m.getStartTime()));
        o.put("input", m.getInput() != null ? m.getInput() : "https://" + m.getTarget() + "/");
        o.put("software_name", m.getSoftwareName());
        o.put("software_version", m.getSoftwareVersion());
        if (m.getRuntimeMs() != null) {
            o.put("test_runtime", m.getRuntimeMs() / 1000.0);
        }
        ObjectNode k = o.putObject("test_keys");
        k.put("client_resolver", m.getResolver());
        k.put("dns_experiment_failure", m.getDnsFailure());
        String httpExperimentFailure = m.getTcpFailure() != null ? m.getTcpFailure()
                : m.getTlsFailure() != null ? m.getTlsFailure() : m.getHttpFailure();
        k.put("http_experiment_failure", httpExperimentFailure);
        verdict(m, k);
        String host = hostOf(o.get("input").asText(), m.getTarget());
        boolean https = o.get("input").asText().regionMatches(true, 0, "https:", 0, 6);
        int port = https ? 443 : 80;
        ArrayNode queries = k.putArray("queries");
        ObjectNode q = queries.addObject().put("hostname", host).put("query_type", "A").put("engine", "system");
        q.put("failure", m.getDnsFailure());
        ArrayNode answers = q.putArray("answers");
        m.getDnsAnswers().forEach(a -> answers.addObject().put("answer_type", a.indexOf(':') >= 0 ? "AAAA" : "A")
                .put(a.indexOf(':') >= 0 ? "ipv6" : "ipv4", a));
        if (m.getDnsFailure() != null || m.getBlockingMethod() == org.reachwatch.avro.BlockingMethod.DNS) {
            return o; // no address to connect to, or a forged one the probe did not measure
        }
        String ip = m.getDnsAnswers().isEmpty() ? null : m.getDnsAnswers().get(0);
        String address = (ip == null ? host : ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
        ArrayNode tcp = k.putArray("tcp_connect");
        // ip null when the measurement recorded no answer (the simulator's failures carry none)
        ObjectNode status = tcp.addObject().put("ip", ip).put("port", port).put("transaction_id", 1).putObject("status");
        status.put("success", m.getTcpFailure() == null).put("failure", m.getTcpFailure()).put("blocked", m.getTcpFailure() != null);
        if (m.getTcpFailure() != null) {
            return o;
        }
        double connected = m.getLatencyMs() == null ? 0 : m.getLatencyMs() / 1000.0;
        double handshakeEnd = connected;
        if (https) {
            ObjectNode h = k.putArray("tls_handshakes").addObject().put("network", "tcp").put("address", address)
                    .put("server_name", host).put("failure", m.getTlsFailure()).put("transaction_id", 1);
            if (m.getTlsHandshakeMs() != null) {
                handshakeEnd = connected + m.getTlsHandshakeMs() / 1000.0;
                h.put("t0", connected).put("t", handshakeEnd);
            }
        }
        if (m.getTlsFailure() != null) {
            return o;
        }
        ObjectNode r = k.putArray("requests").addObject();
        r.put("network", "tcp").put("address", address).put("failure", m.getHttpFailure()).put("transaction_id", 1);
        r.putObject("request").put("method", "GET").put("url", o.get("input").asText());
        ObjectNode response = r.putObject("response");
        response.put("code", m.getHttpStatus() == null ? 0 : m.getHttpStatus());
        response.putNull("body");
        return o;
    }

    /** ts-017's {@code blocking} and {@code accessible}, as {@link OoniRawParser} reads them back. */
    private static void verdict(ProbeMeasurement m, ObjectNode k) {
        switch (m.getOutcome()) {
            case REACHABLE -> k.put("blocking", false).put("accessible", true);
            case SITE_DOWN -> k.put("blocking", false).put("accessible", false);
            case UNREACHABLE -> {
                switch (m.getBlockingMethod()) {
                    case DNS -> k.put("blocking", "dns");
                    case TCP_IP -> k.put("blocking", "tcp_ip");
                    case TLS, HTTP_FAILURE -> k.put("blocking", "http-failure");
                    case HTTP_BLOCKPAGE -> k.put("blocking", "http-diff");
                    default -> k.put("blocking", true);
                }
                k.put("accessible", false);
            }
            default -> k.putNull("blocking").putNull("accessible");
        }
    }

    private static String hostOf(String url, String fallback) {
        try {
            String host = java.net.URI.create(url).getHost();
            return host == null ? fallback : host;
        } catch (IllegalArgumentException e) {
            return fallback;
        }
    }
}
