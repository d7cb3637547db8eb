package org.reachwatch.feeds;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.TestKind;
import org.reachwatch.probe.Bogons;

/**
 * {@link InputFormat#OONI_OBS}: OONI pipeline v5 {@code obs_web} CSV (header line, one row per
 * measurement x endpoint), grouped back into one measurement per {@code measurement_uid}.
 *
 * <h2>Grouping and memory</h2>
 * Rows of one measurement are <em>not</em> adjacent in real exports: the Kenya 2023 files list every
 * measurement twice, tens of thousands of rows apart (up to 1,604 measurements are "open" at once in
 * the telegram file). So rows are folded into a small per-measurement aggregate (not kept), held in
 * a table of at most {@code maxOpenMeasurements} open measurements. A measurement is emitted when
 * the table is full (the one first seen longest ago) or at end of file; measurements are therefore
 * emitted in order of their first row. A row arriving for a measurement already emitted is counted
 * as a bad line ("late row") rather than silently becoming a second, partial measurement with the
 * same id; the ids of the last {@code 4 x maxOpenMeasurements} emitted measurements are remembered
 * for that check. With the default table (50,000 measurements, a few hundred bytes each) a file
 * whose rows are within 50,000 measurements of each other imports exactly.
 *
 * <h2>Timings</h2>
 * {@code tls_handshake_time} (seconds; the pipeline's span from the end of the TCP connect to the
 * end of the handshake) of the first row whose handshake succeeded becomes {@code tlsHandshakeMs}. The pipeline
 * sometimes pairs a handshake with the events of another connection (telegram 0.2.0, which fetches
 * web.telegram.org over http and https, has a negative time on one row and a positive one on the
 * other): a measurement with any negative {@code tls_handshake_time} carries none. {@code http_runtime}
 * (seconds, {@code t - t0} of the HTTP transaction: request written to body read, the server's time to
 * first byte included) of the first row whose request succeeded becomes {@code downloadMs}, with
 * {@code http_response_body_length} as {@code bytesReceived} and their ratio as throughput when the
 * export has that column (the Kenya 2023 exports have {@code http_runtime} always empty and no body
 * length column: they carry handshake times only).
 * A cell that is not a number rejects its row.
 *
 * <h2>Outcome</h2>
 * When the pipeline's verdict column {@code probe_analysis} is filled (web_connectivity), it is
 * read like ts-017's {@code blocking}: "false" is REACHABLE, "dns" / "tcp_ip" / "http-failure" /
 * "http-diff" are UNREACHABLE by that layer ("http-failure" with a TLS failure is TLS). Otherwise
 * (telegram and other tests) the rule of OONI's telegram test is applied to the rows: the service is
 * UNREACHABLE when every row for an IP endpoint (empty host name or IP literal: Telegram's data
 * centres) failed, or any row for a named host (web.telegram.org) failed; the layer is the
 * {@code failure_class} of the first such failing row.
 */
final class OoniObservationReader implements FeedReader {
    static final int DEFAULT_MAX_OPEN = 50_000;
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*");
    private static final int MAX_ANSWERS = 32;
    private static final String[] REQUIRED = {"measurement_uid", "probe_cc", "probe_asn", "measurement_start_time",
        "test_name", "report_id", "input", "hostname", "failure_class"};

    private final int maxOpen;

    OoniObservationReader() {
        this(DEFAULT_MAX_OPEN);
    }

    OoniObservationReader(int maxOpenMeasurements) {
        if (maxOpenMeasurements < 1) {
            throw new IllegalArgumentException("maxOpenMeasurements must be positive");
        }
        this.maxOpen = maxOpenMeasurements;
    }

    @Override
    public ImportReport read(LineSource in, String sourceName, Consumer<ProbeMeasurement> sink) throws IOException {
        ImportReport report = new ImportReport(sourceName);
        String header;
        try {
            header = in.readLine();
        } catch (RejectedRecordException tooLong) {
            throw new IllegalArgumentException("not an OONI obs_web CSV: the header line is over the line length cap");
        }
        if (header == null) {
            return report;
        }
        report.lineRead();
        Columns cols = new Columns(CsvLine.split(header.startsWith("\uFEFF") ? header.substring(1) : header));
        LinkedHashMap<String, Aggregate> open = new LinkedHashMap<>();
        Set<String> emitted = recentSet(4 * maxOpen);
        long number = 1;
        while (true) {
            String line;
            try {
                line = in.readLine();
            } catch (RejectedRecordException tooLong) {
                report.lineRead();
                report.badLine(++number, tooLong);
                continue;
            }
            if (line == null) {
                break;
            }
            number++;
            report.lineRead();
            if (line.isBlank()) {
                continue;
            }
            try {
                List<String> row = CsvLine.split(line);
                if (row.size() != cols.size()) {
                    throw new RejectedRecordException("wrong number of columns", "expected " + cols.size() + " columns, found " + row.size());
                }
                String uid = cols.get(row, "measurement_uid");
                if (uid == null) {
                    throw new RejectedRecordException("missing measurement_uid");
                }
                Aggregate agg = open.get(uid);
                boolean fresh = agg == null;
                if (fresh) {
                    if (emitted.contains(uid)) {
                        throw new RejectedRecordException("late row", "late row for measurement " + uid
                                + ", already emitted (its rows are more than " + maxOpen + " measurements apart)");
                    }
                    agg = Aggregate.first(cols, row);
                }
                agg.add(cols, row); // a rejected row changes nothing: a measurement whose first row is bad is not opened
                if (fresh) {
                    if (open.size() >= maxOpen) {
                        Iterator<Map.Entry<String, Aggregate>> oldest = open.entrySet().iterator();
                        Map.Entry<String, Aggregate> e = oldest.next();
                        oldest.remove();
                        emitted.add(e.getKey());
                        emit(e.getValue(), sink, report);
                    }
                    open.put(uid, agg);
                }
                report.lineAccepted();
            } catch (RejectedRecordException e) {
                report.badLine(number, e);
            }
        }
        for (Aggregate agg : open.values()) {
            emit(agg, sink, report);
        }
        return report;
    }

    private static void emit(Aggregate agg, Consumer<ProbeMeasurement> sink, ImportReport report) {
        sink.accept(agg.toMeasurement());
        report.measurementEmitted();
    }

    private static Set<String> recentSet(int capacity) {
        return java.util.Collections.newSetFromMap(new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        });
    }

    /** Header positions by name. */
    static final class Columns {
        private final Map<String, Integer> index = new HashMap<>();
        private final int size;

        Columns(List<String> header) {
            for (int i = 0; i < header.size(); i++) {
                index.put(header.get(i).trim(), i);
            }
            size = header.size();
            for (String name : REQUIRED) {
                if (!index.containsKey(name)) {
                    throw new IllegalArgumentException("not an OONI obs_web CSV: header lacks column '" + name + "'");
                }
            }
        }

        int size() {
            return size;
        }

        /** The cell, or null when blank or the column is absent. */
        String get(List<String> row, String column) {
            Integer i = index.get(column);
            if (i == null) {
                return null;
            }
            String v = row.get(i);
            return v.isEmpty() ? null : v;
        }
    }

    /** What one measurement's rows add up to; rows are folded in and dropped. */
    private static final class Aggregate {
        private ProbeMeasurement.Builder b;
        private String testName;
        private final Set<String> answers = new LinkedHashSet<>();
        private String verdict;
        private boolean anyEndpointRow;
        private boolean allEndpointRowsFailed = true;
        private String endpointFailureClass;
        private String hostFailureClass;
        private Double tlsHandshakeMs;
        private boolean negativeTlsTime;
        private Double httpRuntimeMs;
        private Long httpBodyBytes;

        static Aggregate first(Columns c, List<String> row) {
            Aggregate a = new Aggregate();
            a.testName = c.get(row, "test_name");
            if (a.testName == null) {
                throw new RejectedRecordException("missing test_name");
            }
            TestKind kind = OoniFields.testKind(a.testName);
            String country = OoniFields.country(c.get(row, "probe_cc"));
            String asn = OoniFields.asn(c.get(row, "probe_asn"));
            String reportId = c.get(row, "report_id");
            String input = c.get(row, "input");
            String target = switch (kind) {
                case WEB_CONNECTIVITY -> input != null ? OoniFields.targetOfUrl(input) : hostTarget(c.get(row, "hostname"));
                case TELEGRAM -> "telegram";
                case SIGNAL -> "signal";
                case WHATSAPP -> "whatsapp";
                case FACEBOOK_MESSENGER -> "facebook_messenger";
                default -> a.testName;
            };
            a.b = ProbeMeasurement.newBuilder()
                    .setMeasurementId(c.get(row, "measurement_uid"))
                    .setProbeId(OoniFields.probeId(reportId, country, asn))
                    .setCountry(country)
                    .setAsn(asn)
                    .setNetworkName(c.get(row, "probe_as_org_name"))
                    .setTarget(target)
                    .setInput(input)
                    .setTestKind(kind)
                    .setStartTime(OoniFields.startTime(c.get(row, "measurement_start_time")))
                    .setSource(MeasurementSource.OONI_IMPORT)
                    .setReportId(reportId);
            return a;
        }

        private static String hostTarget(String hostname) {
            if (hostname == null) {
                throw new RejectedRecordException("web_connectivity row without input or hostname");
            }
            return OoniFields.normalizeHost(hostname);
        }

        void add(Columns c, List<String> row) {
            addTimings(c, row);
            if (b.getDnsFailure() == null) {
                b.setDnsFailure(c.get(row, "dns_failure"));
            }
            if (b.getTcpFailure() == null) {
                b.setTcpFailure(c.get(row, "tcp_failure"));
            }
            if (b.getTlsFailure() == null) {
                b.setTlsFailure(c.get(row, "tls_failure"));
            }
            if (b.getHttpFailure() == null) {
                b.setHttpFailure(c.get(row, "http_failure"));
            }
            if (b.getResolver() == null) {
                b.setResolver(c.get(row, "resolver_ip"));
            }
            String answer = c.get(row, "dns_answer");
            if (answer != null && answers.size() < MAX_ANSWERS) {
                answers.add(answer);
            }
            String analysis = c.get(row, "probe_analysis");
            if (analysis != null && (verdict == null || "false".equals(verdict))) {
                verdict = analysis;
            }
            String failureClass = c.get(row, "failure_class");
            boolean failed = failureClass != null && !"ok".equals(failureClass);
            String host = c.get(row, "hostname");
            if (host == null || IP_LITERAL.matcher(host).matches()) {
                anyEndpointRow = true;
                allEndpointRowsFailed &= failed;
                if (failed && endpointFailureClass == null) {
                    endpointFailureClass = failureClass;
                }
            } else if (failed && hostFailureClass == null) {
                hostFailureClass = failureClass;
            }
        }

        /** The first successful handshake's and the first successful HTTP transaction's times, in row order. */
        private void addTimings(Columns c, List<String> row) {
            // every cell parsed before anything is recorded: a row rejected for a bad number leaves no trace
            Double tls = number(c, row, "tls_handshake_time");
            Double runtime = number(c, row, "http_runtime");
            Double length = number(c, row, "http_response_body_length");
            if (tls != null && tls < 0) {
                negativeTlsTime = true;
            } else if (tls != null && tls > 0 && tlsHandshakeMs == null && c.get(row, "tls_failure") == null) {
                tlsHandshakeMs = tls * 1000;
            }
            if (runtime != null && runtime > 0 && httpRuntimeMs == null && c.get(row, "http_failure") == null) {
                httpRuntimeMs = runtime * 1000;
                httpBodyBytes = length == null || length < 0 ? null : length.longValue();
            }
        }

        /** A number cell (the pipeline writes floats, "443.0" too), or null when blank or absent. */
        private static Double number(Columns c, List<String> row, String column) {
            String v = c.get(row, column);
            if (v == null) {
                return null;
            }
            try {
                double d = Double.parseDouble(v);
                if (Double.isFinite(d)) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new RejectedRecordException("bad " + column, "bad " + column + " '" + v + "'");
        }

        ProbeMeasurement toMeasurement() {
            // a negative time means the pipeline paired the handshake with another connection's events: trust none
            b.setTlsHandshakeMs(negativeTlsTime ? null : tlsHandshakeMs);
            if (httpRuntimeMs != null) {
                b.setDownloadMs(httpRuntimeMs).setBytesReceived(httpBodyBytes);
                if (httpBodyBytes != null && httpBodyBytes > 0) {
                    b.setThroughputBytesPerSecond(httpBodyBytes / (httpRuntimeMs / 1000));
                }
            }
            b.setDnsAnswers(new ArrayList<>(answers));
            b.setDnsBogon(answers.stream().anyMatch(Bogons::isBogon));
            if (verdict != null) {
                applyVerdict();
            } else if (anyEndpointRow && allEndpointRowsFailed) {
                b.setOutcome(MeasurementOutcome.UNREACHABLE).setBlockingMethod(OoniFields.methodOfFailureClass(endpointFailureClass));
            } else if (hostFailureClass != null) {
                b.setOutcome(MeasurementOutcome.UNREACHABLE).setBlockingMethod(OoniFields.methodOfFailureClass(hostFailureClass));
            } else {
                b.setOutcome(MeasurementOutcome.REACHABLE).setBlockingMethod(BlockingMethod.NONE);
            }
            return b.build();
        }

        private void applyVerdict() {
            BlockingMethod method = switch (verdict) {
                case "false" -> BlockingMethod.NONE;
                case "dns" -> BlockingMethod.DNS;
                case "tcp_ip" -> BlockingMethod.TCP_IP;
                case "http-failure" -> b.getTlsFailure() != null ? BlockingMethod.TLS : BlockingMethod.HTTP_FAILURE;
                case "http-diff" -> BlockingMethod.HTTP_BLOCKPAGE;
                default -> null;
            };
            if (method == null) {
                b.setOutcome(MeasurementOutcome.INCONCLUSIVE).setBlockingMethod(BlockingMethod.UNKNOWN);
            } else {
                b.setOutcome(method == BlockingMethod.NONE ? MeasurementOutcome.REACHABLE : MeasurementOutcome.UNREACHABLE)
                        .setBlockingMethod(method);
            }
        }
    }
}
