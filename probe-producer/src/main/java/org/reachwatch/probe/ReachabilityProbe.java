package org.reachwatch.probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * fingerprint is HTTP_BLOCKPAGE; a slow body (below the throttling threshold) is reachable but
 * THROTTLING. Failures are data: {@link #measure} never throws for a network failure.
 *
 * <p>Thread-safe: targets may be measured in parallel.
 */
public final class ReachabilityProbe {
    public static final String SOFTWARE_NAME = "reachwatch-probe";
    public static final String SOFTWARE_VERSION = "0.1.0";

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReachabilityProbe.class);

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
        try (Socket plain = socket) {
            Socket channel = plain;
            if (target.https()) {
                try {
                    channel = handshake(plain, target);
                } catch (IOException e) {
                    b.setTlsFailure(FailureClassifier.classify(e));
                    blocked(b, BlockingMethod.TLS);
                    return;
                }
            }
            http(channel, target, b);
        } catch (IOException e) {
            // closing failed after the measurement was complete: nothing to record
        }
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

    private SSLSocket handshake(Socket plain, Target target) throws IOException {
        SSLSocket tls = (SSLSocket) settings.sslContext().getSocketFactory()
                .createSocket(plain, target.name(), target.port(), false);
        SSLParameters params = tls.getSSLParameters();
        if (!isIpLiteral(target.name())) {
            params.setServerNames(List.of(new SNIHostName(target.name())));
        }
        // certificate must match the host name, as a browser requires: a censor's MITM shows as ssl_invalid_hostname
        params.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(params);
        tls.setSoTimeout((int) settings.tlsTimeout().toMillis());
        tls.startHandshake();
        return tls;
    }

    private void http(Socket channel, Target target, ProbeMeasurement.Builder b) {
        long deadline = System.nanoTime() + settings.httpTimeout().toNanos();
        byte[] buffer = new byte[Math.min(settings.maxBodyBytes() + 16 * 1024, 4 << 20)];
        int length = 0;
        int headerEnd = -1;
        long firstBodyByte = 0;
        long lastByte = 0;
        String failure = null;
        try {
            String hostHeader = target.url().getPort() > 0 ? target.name() + ":" + target.port() : target.name();
            OutputStream out = channel.getOutputStream();
            out.write(("GET " + target.pathAndQuery() + " HTTP/1.1\r\nHost: " + hostHeader
                    + "\r\nUser-Agent: Mozilla/5.0 (reachwatch probe)\r\nAccept: */*\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = channel.getInputStream();
            while (length < buffer.length) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("HTTP deadline");
                }
                channel.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int n = in.read(buffer, length, buffer.length - length);
                if (n < 0) {
                    break;
                }
                if (headerEnd < 0) {
                    headerEnd = indexOf(buffer, length + n, Math.max(0, length - 3));
                    if (headerEnd >= 0 && headerEnd < length + n) {
                        firstBodyByte = System.nanoTime();
                    }
                } else if (firstBodyByte == 0) {
                    firstBodyByte = System.nanoTime();
                }
                length += n;
                lastByte = System.nanoTime();
                if (headerEnd >= 0 && length - headerEnd >= settings.maxBodyBytes()) {
                    break;
                }
            }
        } catch (IOException e) {
            failure = FailureClassifier.classify(e);
        }
        Integer status = statusCode(buffer, length);
        if (status != null) {
            b.setHttpStatus(status);
        }
        long body = headerEnd < 0 ? 0 : Math.max(0, length - headerEnd);
        b.setBytesReceived(body);
        if (body > 0 && lastByte > firstBodyByte) {
            b.setThroughputBytesPerSecond(body / ((lastByte - firstBodyByte) / 1e9));
        }
        String blockpage = length > 0 ? BlockpageFingerprint.match(settings.fingerprints(), buffer, length) : null;
        if (blockpage != null) {
            b.setBlockpageMatch(blockpage);
            blocked(b, BlockingMethod.HTTP_BLOCKPAGE);
            return;
        }
        boolean slow = settings.throttleBelowBytesPerSecond() > 0 && body >= settings.throttleMinBytes()
                && b.getThroughputBytesPerSecond() != null
                && b.getThroughputBytesPerSecond() < settings.throttleBelowBytesPerSecond();
        if (failure != null && !(slow && FailureClassifier.GENERIC_TIMEOUT.equals(failure))) {
            b.setHttpFailure(failure);
            blocked(b, BlockingMethod.HTTP_FAILURE);
            return;
        }
        if (status == null) {
            b.setHttpFailure(FailureClassifier.EOF);
            blocked(b, BlockingMethod.HTTP_FAILURE);
            return;
        }
        // throttled content still arrives: the target is reachable, the method says how it is degraded
        b.setOutcome(MeasurementOutcome.REACHABLE).setBlockingMethod(slow ? BlockingMethod.THROTTLING : BlockingMethod.NONE);
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
