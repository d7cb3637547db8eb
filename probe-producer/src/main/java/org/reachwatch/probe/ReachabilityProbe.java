package org.reachwatch.probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.TestKind;

/**
 * Measures one target the way a censor would interfere with it: DNS, then TCP connect to each
 * resolved address, then a TLS handshake with SNI (https), then an HTTP GET with size and time
 * limits on that same connection. The first failing step decides the outcome and the blocking
 * method; its failure string comes from {@link FailureClassifier}. A response matching a blockpage
 * fingerprint is HTTP_BLOCKPAGE. Failures are data: {@link #measure} never throws for a network failure.
 *
 * <h2>Timings</h2>
 * <ul>
 * <li>{@code latencyMs}: the TCP connect that succeeded.</li>
 * <li>{@code tlsHandshakeMs}: the target's TLS handshake alone ({@code startHandshake}), without the
 *     connect before it or the request after it; null for http targets and failed handshakes.</li>
 * <li>{@code bytesReceived}, {@code downloadMs}, {@code throughputBytesPerSecond}: a bounded download,
 *     the first {@link ProbeSettings#maxBodyBytes()} bytes (default 256 KiB) of the page's body, or of
 *     the target's asset ({@link Target#asset()}) when it has one. The clock runs from the read that
 *     delivers the first body byte to the read that delivers the last byte counted: DNS, connect,
 *     handshake, the request and the server's time to first byte are outside it. Bytes are body bytes
 *     as they came over the connection (chunked framing included; no compression is asked for). The
 *     bytes of the first read count although they arrived when the clock started, so a body that
 *     arrives in a few reads reads a little fast (N equal reads: N/(N-1)); a body that arrives in one
 *     read has no measurable download time, and downloadMs and throughput are null.
 *     throughput = bytesReceived / downloadMs.</li>
 * </ul>
 * An asset is fetched on its own connection after the page was reachable; it does not change the
 * outcome, and when it cannot be fetched the speed fields stay null. The probe measures and does not
 * judge speed beyond one coarse tag: a timed download slower than the throttling threshold (after at
 * least {@link ProbeSettings#throttleMinBytes()} bytes) is REACHABLE with method THROTTLING, and a page
 * whose body times out while trickling slower than that is too. Whether a speed is abnormal is the
 * detector's question (against the target's own baseline and the controls).
 *
 * <p>Thread-safe: targets may be measured in parallel.
 */
public final class ReachabilityProbe {
    public static final String SOFTWARE_NAME = "reachwatch-probe";
    public static final String SOFTWARE_VERSION = "0.1.0";

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReachabilityProbe.class);

    /** Response bytes kept for the status line and blockpage fingerprints; the rest of a body is counted only. */
    static final int HEAD_KEEP = 1 << 20;
    private static final int HEADER_ROOM = 16 * 1024;

    private final ProbeSettings settings;
    private final DnsLookup dns;
    private final Clock clock;

    public ReachabilityProbe(ProbeSettings settings, Clock clock) {
        this.settings = settings;
        this.dns = DnsLookup.forSpec(settings.resolver(), settings.dnsTimeout());
        this.clock = clock;
    }

    public ProbeMeasurement measure(Target target) {
        Instant start = clock.instant();
        long t0 = System.nanoTime();
        ProbeMeasurement.Builder b = ProbeMeasurement.newBuilder()
                .setMeasurementId(UUID.randomUUID().toString())
                .setProbeId(settings.probeId())
                .setCountry(settings.country())
                .setAsn(settings.asn())
                .setNetworkName(settings.networkName())
                .setTarget(target.name())
                .setInput(target.url().toString())
                .setControl(target.control())
                .setTestKind(TestKind.REACHABILITY)
                .setStartTime(start)
                .setSource(MeasurementSource.PROBE)
                .setSoftwareName(SOFTWARE_NAME)
                .setSoftwareVersion(SOFTWARE_VERSION)
                .setResolver(dns.label());
        try {
            run(target, b);
        } catch (RuntimeException e) {
            // a bug, not the network: keep the data point, marked inconclusive, rather than lose it
            log.warn("measuring {} failed unexpectedly: {}", target.name(), e.toString());
            b.setOutcome(MeasurementOutcome.INCONCLUSIVE).setBlockingMethod(BlockingMethod.UNKNOWN);
        } finally {
            b.setRuntimeMs((System.nanoTime() - t0) / 1_000_000);
        }
        return b.build();
    }

    private void run(Target target, ProbeMeasurement.Builder b) {
        List<InetAddress> addresses = resolve(target, b);
        if (addresses == null) {
            return;
        }
        Socket socket = null;
        String tcpFailure = null;
        for (InetAddress address : addresses.subList(0, Math.min(addresses.size(), settings.maxAddresses()))) {
            Socket s = new Socket();
            long c0 = System.nanoTime();
            try {
                s.connect(new InetSocketAddress(address, target.port()), (int) settings.connectTimeout().toMillis());
                b.setLatencyMs((System.nanoTime() - c0) / 1e6);
                socket = s;
                break;
            } catch (IOException e) {
                closeQuietly(s);
                if (tcpFailure == null) {
                    tcpFailure = FailureClassifier.classify(e);
                }
            }
        }
        if (socket == null) {
            b.setTcpFailure(tcpFailure);
            blocked(b, BlockingMethod.TCP_IP);
            return;
        }
        Fetch page;
        try (Socket plain = socket) {
            Socket channel = plain;
            if (target.https()) {
                try {
                    SSLSocket tls = tlsSocket(plain, target.url());
                    long h0 = System.nanoTime();
                    tls.startHandshake();
                    b.setTlsHandshakeMs((System.nanoTime() - h0) / 1e6);
                    channel = tls;
                } catch (IOException e) {
                    b.setTlsFailure(FailureClassifier.classify(e));
                    blocked(b, BlockingMethod.TLS);
                    return;
                }
            }
            page = get(channel, target.url());
        } catch (IOException e) {
            // closing failed after the exchange was complete: nothing to record
            return;
        }
        judge(target, page, b);
    }

    /** The outcome from the page; the speed fields from the timed download (the page, or the target's asset). */
    private void judge(Target target, Fetch page, ProbeMeasurement.Builder b) {
        if (page.status != null) {
            b.setHttpStatus(page.status);
        }
        String blockpage = page.headLength > 0 ? BlockpageFingerprint.match(settings.fingerprints(), page.head, page.headLength) : null;
        if (blockpage != null) {
            page.recordSpeed(b);
            b.setBlockpageMatch(blockpage);
            blocked(b, BlockingMethod.HTTP_BLOCKPAGE);
            return;
        }
        boolean pageSlow = slow(page);
        if (page.failure != null && !(pageSlow && FailureClassifier.GENERIC_TIMEOUT.equals(page.failure))) {
            page.recordSpeed(b);
            b.setHttpFailure(page.failure);
            blocked(b, BlockingMethod.HTTP_FAILURE);
            return;
        }
        if (page.status == null) {
            page.recordSpeed(b);
            b.setHttpFailure(FailureClassifier.EOF);
            blocked(b, BlockingMethod.HTTP_FAILURE);
            return;
        }
        boolean slow = pageSlow;
        if (target.asset() == null) {
            page.recordSpeed(b);
        } else {
            Fetch asset = fetchAsset(target.asset());
            if (asset != null) {
                asset.recordSpeed(b);
                slow |= slow(asset);
            }
        }
        // throttled content still arrives: the target is reachable, the method says how it is degraded
        b.setOutcome(MeasurementOutcome.REACHABLE).setBlockingMethod(slow ? BlockingMethod.THROTTLING : BlockingMethod.NONE);
    }

    private boolean slow(Fetch f) {
        Double speed = f.throughput();
        return settings.throttleBelowBytesPerSecond() > 0 && f.bodyBytes >= settings.throttleMinBytes()
                && speed != null && speed < settings.throttleBelowBytesPerSecond();
    }

    /**
     * The asset's bounded download on its own connection (DNS, TCP, TLS as for a target), or null when
     * no 2xx body came (refused, reset, forged answer, 404, ...): the speed fields then stay null.
     */
    private Fetch fetchAsset(URI asset) {
        String host = asset.getHost();
        List<InetAddress> addresses;
        if (isIpLiteral(host)) {
            try {
                addresses = List.of(InetAddress.getByName(host));
            } catch (IOException e) {
                return null;
            }
        } else {
            DnsLookup.Result r = dns.resolve(host);
            addresses = r.failure() != null ? List.of()
                    : r.addresses().stream().filter(a -> !settings.bogonMeansBlocked() || !Bogons.isBogon(a)).toList();
        }
        for (InetAddress address : addresses.subList(0, Math.min(addresses.size(), settings.maxAddresses()))) {
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(address, Target.port(asset)), (int) settings.connectTimeout().toMillis());
                Socket channel = plain;
                if (Target.https(asset)) {
                    SSLSocket tls = tlsSocket(plain, asset);
                    tls.startHandshake();
                    channel = tls;
                }
                Fetch f = get(channel, asset);
                if (f.status == null || f.status / 100 != 2 || f.bodyBytes == 0) {
                    // an error page is not the asset: timing it would compare unlike downloads
                    log.debug("asset {} not downloaded: status {}, failure {}", asset, f.status, f.failure);
                    return null;
                }
                return f;
            } catch (IOException e) {
                log.debug("asset {} via {} failed: {}", asset, address, FailureClassifier.classify(e));
            }
        }
        return null;
    }

    /** Answers, or null when DNS decided the outcome. */
    private List<InetAddress> resolve(Target target, ProbeMeasurement.Builder b) {
        if (isIpLiteral(target.name())) {
            try {
                return List.of(InetAddress.getByName(target.name()));
            } catch (IOException e) {
                b.setDnsFailure(FailureClassifier.classify(e));
                blocked(b, BlockingMethod.DNS);
                return null;
            }
        }
        DnsLookup.Result result = dns.resolve(target.name());
        List<String> answers = new ArrayList<>();
        boolean anyBogon = false;
        boolean allBogon = !result.addresses().isEmpty();
        for (InetAddress a : result.addresses()) {
            answers.add(a.getHostAddress());
            boolean bogon = Bogons.isBogon(a);
            anyBogon |= bogon;
            allBogon &= bogon;
        }
        b.setDnsAnswers(answers).setDnsBogon(anyBogon);
        if (result.failure() != null) {
            b.setDnsFailure(result.failure());
            blocked(b, BlockingMethod.DNS);
            return null;
        }
        if (allBogon && settings.bogonMeansBlocked()) {
            // no public address at all: the answer was forged (connecting to it would only measure the censor)
            blocked(b, BlockingMethod.DNS);
            return null;
        }
        return result.addresses();
    }

    /** A TLS socket over {@code plain} with SNI and host-name verification for {@code url}; the handshake is not started. */
    private SSLSocket tlsSocket(Socket plain, URI url) throws IOException {
        String host = url.getHost().toLowerCase(Locale.ROOT);
        SSLSocket tls = (SSLSocket) settings.sslContext().getSocketFactory().createSocket(plain, host, Target.port(url), false);
        SSLParameters params = tls.getSSLParameters();
        if (!isIpLiteral(host)) {
            params.setServerNames(List.of(new SNIHostName(host)));
        }
        // certificate must match the host name, as a browser requires: a censor's MITM shows as ssl_invalid_hostname
        params.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(params);
        tls.setSoTimeout((int) settings.tlsTimeout().toMillis());
        return tls;
    }

    /**
     * GET {@code url} on {@code channel} and read the response until exactly {@code maxBodyBytes} body
     * bytes (or the end of the body, or the HTTP deadline). The download clock starts at the read
     * that delivers the first body byte, so DNS, connect, handshake, sending the request and the
     * server's time to first byte are all outside it, and stops at the read that delivers the last
     * byte counted. The first {@link #HEAD_KEEP} bytes are kept (status line, blockpage fingerprints);
     * the rest of the body is only counted.
     */
    private Fetch get(Socket channel, URI url) {
        long deadline = System.nanoTime() + settings.httpTimeout().toNanos();
        long bound = settings.maxBodyBytes();
        Fetch f = new Fetch(new byte[(int) Math.min(bound, HEAD_KEEP) + HEADER_ROOM]);
        byte[] scratch = null;
        int headerEnd = -1;
        try {
            String host = url.getHost().toLowerCase(Locale.ROOT);
            String hostHeader = url.getPort() > 0 ? host + ":" + Target.port(url) : host;
            OutputStream out = channel.getOutputStream();
            out.write(("GET " + Target.pathAndQuery(url) + " HTTP/1.1\r\nHost: " + hostHeader
                    + "\r\nUser-Agent: Mozilla/5.0 (reachwatch probe)\r\nAccept: */*\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = channel.getInputStream();
            while (f.bodyBytes < bound) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("HTTP deadline");
                }
                channel.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int n;
                if (f.headLength < f.head.length) {
                    n = in.read(f.head, f.headLength, f.head.length - f.headLength);
                } else if (headerEnd < 0) {
                    break; // no end of headers within the kept head: not an HTTP response we can read
                } else {
                    scratch = scratch == null ? new byte[64 * 1024] : scratch;
                    n = in.read(scratch, 0, (int) Math.min(scratch.length, bound - f.bodyBytes));
                }
                long now = System.nanoTime();
                if (n < 0) {
                    break;
                }
                long bodyIn;
                if (headerEnd < 0) {
                    headerEnd = indexOf(f.head, f.headLength + n, Math.max(0, f.headLength - 3));
                    bodyIn = headerEnd < 0 ? 0 : f.headLength + n - headerEnd;
                } else {
                    bodyIn = n;
                }
                if (f.headLength < f.head.length) {
                    f.headLength += n;
                }
                if (bodyIn > 0) {
                    if (f.bodyBytes == 0) {
                        f.firstBodyNanos = now;
                    }
                    // bytes past the bound that came in the same read are not counted (they arrived at the same time)
                    f.bodyBytes = Math.min(bound, f.bodyBytes + bodyIn);
                    f.lastBodyNanos = now;
                }
            }
        } catch (IOException e) {
            f.failure = FailureClassifier.classify(e);
        }
        f.status = statusCode(f.head, f.headLength);
        return f;
    }

    /** What one bounded GET read. */
    private static final class Fetch {
        final byte[] head;
        int headLength;
        Integer status;
        long bodyBytes;
        long firstBodyNanos;
        long lastBodyNanos;
        String failure;

        Fetch(byte[] head) {
            this.head = head;
        }

        /** Null when the body came in one read (its download time cannot be measured) or not at all. */
        Double downloadMs() {
            return bodyBytes > 0 && lastBodyNanos > firstBodyNanos ? (lastBodyNanos - firstBodyNanos) / 1e6 : null;
        }

        Double throughput() {
            Double ms = downloadMs();
            return ms == null ? null : bodyBytes / (ms / 1000);
        }

        void recordSpeed(ProbeMeasurement.Builder b) {
            b.setBytesReceived(bodyBytes).setDownloadMs(downloadMs()).setThroughputBytesPerSecond(throughput());
        }
    }

    private static void blocked(ProbeMeasurement.Builder b, BlockingMethod method) {
        b.setOutcome(MeasurementOutcome.UNREACHABLE).setBlockingMethod(method);
    }

    /** Offset just after "\r\n\r\n" in buf[0..len), searching from {@code from}, or -1. */
    private static int indexOf(byte[] buf, int len, int from) {
        for (int i = from; i + 3 < len; i++) {
            if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    private static Integer statusCode(byte[] buf, int len) {
        // "HTTP/1.1 200 ..."
        if (len < 12 || buf[0] != 'H' || buf[1] != 'T' || buf[2] != 'T' || buf[3] != 'P') {
            return null;
        }
        int sp = -1;
        for (int i = 4; i < Math.min(len, 16); i++) {
            if (buf[i] == ' ') {
                sp = i;
                break;
            }
        }
        if (sp < 0 || sp + 4 > len) {
            return null;
        }
        int code = 0;
        for (int i = sp + 1; i < sp + 4; i++) {
            if (buf[i] < '0' || buf[i] > '9') {
                return null;
            }
            code = code * 10 + (buf[i] - '0');
        }
        return code;
    }

    static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing was measured on this socket
        }
    }
}
