package org.reachwatch.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.TestKind;

/**
 * The probe against censorship emulated on loopback: forged and denied DNS, refused and
 * black-holed TCP, TLS reset on a given SNI, TLS black hole, HTTP reset, blockpage, throttling,
 * certificate errors. Each case asserts outcome, blocking method and failure string; the timing cases
 * pace the server (handshake, first byte, body rate) and assert what the probe's clocks report.
 */
class ReachabilityProbeTest {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");
    static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

    @TempDir
    static Path certs;

    static CensorLab lab;
    static int dnsPort;
    static KeyStore store;
    static SSLContext trustLab;
    static int httpsPort;

    @BeforeAll
    static void startLab() throws Exception {
        lab = new CensorLab();
        dnsPort = lab.dns(Map.of("x.com", "10.10.34.35", "ok.test", "127.0.0.1", "blocked.test", "127.0.0.1",
                "wrong.test", "127.0.0.1"), Set.of("slow.test"));
        store = CensorLab.selfSigned(certs, "ok.test", "blocked.test");
        trustLab = CensorLab.trusting(store);
        httpsPort = lab.https(CensorLab.serverContext(store), "<html>hello</html>".getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stopLab() {
        lab.close();
    }

    /** Local resolver, short timeouts, lab trust; loopback answers are bogons, so they do not count as blocking here. */
    static ProbeSettings settings() {
        return ProbeSettings.builder()
                .identity("probe-test", "pk", "AS17557", "PTCL")
                .resolver("127.0.0.1:" + dnsPort)
                .timeouts(Duration.ofMillis(800), Duration.ofMillis(800), Duration.ofMillis(800), Duration.ofSeconds(3))
                .sslContext(trustLab)
                .bogonMeansBlocked(false)
                .build();
    }

    static ProbeMeasurement measure(ProbeSettings s, String target) {
        return new ReachabilityProbe(s, CLOCK).measure(Target.parse(target));
    }

    static ProbeMeasurement measure(String target) {
        return measure(settings(), target);
    }

    @Test
    void reachableHttpsTargetIsReachableWithLatencyStatusAndIdentity() {
        ProbeMeasurement m = measure("https://ok.test:" + httpsPort + "/");
        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.REACHABLE);
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.NONE);
        assertThat(m.getHttpStatus()).isEqualTo(200);
        assertThat(m.getBytesReceived()).isEqualTo(18);
        assertThat(m.getLatencyMs()).isNotNull().isPositive();
        assertThat(m.getDnsAnswers()).containsExactly("127.0.0.1");
        assertThat(m.getResolver()).isEqualTo("127.0.0.1:" + dnsPort);
        assertThat(m.getCountry()).isEqualTo("PK");
        assertThat(m.getAsn()).isEqualTo("AS17557");
        assertThat(m.getTarget()).isEqualTo("ok.test");
        assertThat(m.getStartTime()).isEqualTo(T0);
        assertThat(m.getSource()).isEqualTo(MeasurementSource.PROBE);
        assertThat(m.getTestKind()).isEqualTo(TestKind.REACHABILITY);
        assertThat(m.getDnsFailure()).isNull();
        assertThat(m.getTlsFailure()).isNull();
        assertThat(m.getHttpFailure()).isNull();
    }

    @Test
    void nxdomainFromTheResolverIsDnsBlocking() {
        ProbeMeasurement m = measure("gone.test");
        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.UNREACHABLE);
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.DNS);
        assertThat(m.getDnsFailure()).isEqualTo("dns_nxdomain_error");
    }

    @Test
    void bogonAnswerIsFlaggedAndIsDnsBlocking() {
        ProbeMeasurement m = measure(settings().toBuilder().bogonMeansBlocked(true).build(), "x.com");
        assertThat(m.getDnsAnswers()).containsExactly("10.10.34.35");
        assertThat(m.getDnsBogon()).isTrue();
        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.UNREACHABLE);
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.DNS);
        assertThat(m.getDnsFailure()).isNull();
        assertThat(m.getTcpFailure()).as("the forged address is not measured").isNull();
    }

    @Test
    void resolverThatNeverAnswersIsADnsTimeout() {
        ProbeMeasurement m = measure("slow.test");
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.DNS);
        assertThat(m.getDnsFailure()).isEqualTo("generic_timeout_error");
    }

    @Test
    void refusedConnectionIsTcpBlocking() throws Exception {
        ProbeMeasurement m = measure("http://ok.test:" + lab.closedPort() + "/");
        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.UNREACHABLE);
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.TCP_IP);
        assertThat(m.getTcpFailure()).isEqualTo("connection_refused");
    }

    @Test
    void blackHoledSynIsATcpTimeout() throws Exception {
        ProbeMeasurement m = measure("https://ok.test:" + lab.tcpBlackHole() + "/");
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.TCP_IP);
        assertThat(m.getTcpFailure()).isEqualTo("generic_timeout_error");
    }

    @Test
    void resetAfterClientHelloWithTheBlockedSniIsTlsBlockingAndOtherNamesPass() throws Exception {
        int dpi = lab.sniResetter("blocked.test", httpsPort);
        ProbeMeasurement blocked = measure("https://blocked.test:" + dpi + "/");
        assertThat(blocked.getOutcome()).isEqualTo(MeasurementOutcome.UNREACHABLE);
        assertThat(blocked.getBlockingMethod()).isEqualTo(BlockingMethod.TLS);
        assertThat(blocked.getTlsFailure()).isEqualTo("connection_reset");
        assertThat(blocked.getTcpFailure()).isNull();

        ProbeMeasurement passed = measure("https://ok.test:" + dpi + "/");
        assertThat(passed.getOutcome()).isEqualTo(MeasurementOutcome.REACHABLE);
        assertThat(passed.getHttpStatus()).isEqualTo(200);
    }

    @Test
    void silenceAfterClientHelloIsATlsTimeout() throws Exception {
        ProbeMeasurement m = measure("https://ok.test:" + lab.acceptAndStaySilent() + "/");
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.TLS);
        assertThat(m.getTlsFailure()).isEqualTo("generic_timeout_error");
    }

    @Test
    void resetAfterTheHttpRequestIsHttpFailure() throws Exception {
        ProbeMeasurement m = measure("http://ok.test:" + lab.resetAfterRequest() + "/");
        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.UNREACHABLE);
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.HTTP_FAILURE);
        assertThat(m.getHttpFailure()).isEqualTo("connection_reset");
    }

    @Test
    void blockpageIsRecognisedByItsFingerprint() throws Exception {
        byte[] page = "<html><iframe src=\"http://10.10.34.34?type=Invalid Site\"></iframe></html>".getBytes(StandardCharsets.UTF_8);
        ProbeMeasurement m = measure("http://ok.test:" + lab.http(page, 4096, 0) + "/");
        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.UNREACHABLE);
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.HTTP_BLOCKPAGE);
        assertThat(m.getBlockpageMatch()).isEqualTo("ir_peyvandha");
        assertThat(m.getHttpStatus()).isEqualTo(200);
        assertThat(m.getHttpFailure()).isNull();
    }

    @Test
    void configuredFingerprintReplacesTheDefaults() throws Exception {
        byte[] page = "<h1>Access denied by order of the ministry</h1>".getBytes(StandardCharsets.UTF_8);
        int port = lab.http(page, 4096, 0);
        assertThat(measure("http://ok.test:" + port + "/").getBlockingMethod()).isEqualTo(BlockingMethod.NONE);
        ProbeMeasurement m = measure(settings().toBuilder().fingerprints(List.of(BlockpageFingerprint.parse("xx_ministry=by order of the ministry"))).build(),
                "http://ok.test:" + port + "/");
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.HTTP_BLOCKPAGE);
        assertThat(m.getBlockpageMatch()).isEqualTo("xx_ministry");
    }

    @Test
    void trickledBodyIsReachableButThrottledAndFastBodyIsNot() throws Exception {
        byte[] body = new byte[48 * 1024];
        java.util.Arrays.fill(body, (byte) 'a');
        ProbeSettings s = settings().toBuilder().throttling(100 * 1024, 16 * 1024, 32 * 1024).build();
        // ~1 KiB every 25 ms: ~40 KiB/s, under the 100 KiB/s threshold
        ProbeMeasurement slow = measure(s, "http://ok.test:" + lab.http(body, 1024, 25) + "/");
        assertThat(slow.getOutcome()).isEqualTo(MeasurementOutcome.REACHABLE);
        assertThat(slow.getBlockingMethod()).isEqualTo(BlockingMethod.THROTTLING);
        assertThat(slow.getThroughputBytesPerSecond()).isLessThan(100 * 1024.0);
        assertThat(slow.getBytesReceived()).isEqualTo(32 * 1024L);
        assertThat(slow.getHttpFailure()).isNull();

        // 4 MiB cannot come in one read (the probe keeps 1 MiB and reads the rest 64 KiB at a time), so it is timed
        byte[] big = new byte[8 << 20];
        ProbeMeasurement fast = measure(s.toBuilder().downloadBytes(4 << 20).build(), "http://ok.test:" + lab.http(big, 64 * 1024, 0) + "/");
        assertThat(fast.getBlockingMethod()).isEqualTo(BlockingMethod.NONE);
        assertThat(fast.getBytesReceived()).isEqualTo(4L << 20);
        assertThat(fast.getThroughputBytesPerSecond()).isGreaterThan(100 * 1024.0);
    }

    /** 40 chunks of 1 KiB, one every 25 ms: 39 intervals between the first body byte and the last. */
    static final int CHUNKS = 40;
    static final long INTERVAL_MS = 25;
    /** Room for scheduling on a loaded machine; counting the handshake or the first-byte wait would be 24-29 % off. */
    static final Percentage TOLERANCE = Percentage.withPercentage(15);
    static final double PACED_RATE = CHUNKS * 1024 / ((CHUNKS - 1) * INTERVAL_MS / 1000.0);

    @Test
    void slowBodyThroughputIsItsPacedRateWithHandshakeAndFirstByteWaitOutsideTheDownloadClock() throws Exception {
        // handshake held 300 ms and first byte 400 ms: counting either in the download would be 35-50 % slow
        CensorLab.Served served = new CensorLab.Served();
        int port = lab.pacedHttps(CensorLab.serverContext(store),
                new CensorLab.Pace(300, 400, 64 * 1024, 1024, INTERVAL_MS), served);
        ProbeSettings s = settings().toBuilder().downloadBytes(CHUNKS * 1024).build();
        ProbeMeasurement m = measure(s, "https://ok.test:" + port + "/");

        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.REACHABLE);
        assertThat(m.getBytesReceived()).isEqualTo(CHUNKS * 1024L);
        assertThat(m.getDownloadMs()).isCloseTo((CHUNKS - 1) * INTERVAL_MS, TOLERANCE);
        assertThat(m.getThroughputBytesPerSecond()).isCloseTo(PACED_RATE, TOLERANCE);
        assertThat(m.getThroughputBytesPerSecond()).isCloseTo(m.getBytesReceived() / (m.getDownloadMs() / 1000), Offset.offset(1e-6));
        assertThat(m.getTlsHandshakeMs()).as("the handshake waited for the server's 300 ms")
                .isGreaterThan(250.0).isLessThan(m.getDownloadMs());
        assertThat(m.getRuntimeMs()).as("the whole measurement does include both waits")
                .isGreaterThan((long) (m.getTlsHandshakeMs() + 400 + m.getDownloadMs()) - 5);
    }

    @Test
    void downloadStopsAtTheByteBoundOfAHugeBody() throws Exception {
        long huge = 64L << 20;
        CensorLab.Served served = new CensorLab.Served();
        int port = lab.pacedHttps(CensorLab.serverContext(store), new CensorLab.Pace(0, 0, huge, 64 * 1024, 0), served);
        ProbeMeasurement m = measure("https://ok.test:" + port + "/");

        assertThat(m.getBytesReceived()).isEqualTo(ProbeSettings.DEFAULT_DOWNLOAD_BYTES);
        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.REACHABLE);
        assertThat(m.getDownloadMs()).isPositive();
        assertThat(m.getTlsHandshakeMs()).isPositive();
        assertThat(served.done.await(10, TimeUnit.SECONDS)).as("server saw the client close").isTrue();
        assertThat(served.bodyBytesWritten.get()).as("the server could not send the whole body: the probe stopped reading")
                .isLessThan(huge / 4);
    }

    @Test
    void assetIsTheTimedDownloadAndThePageDecidesTheOutcome() throws Exception {
        CensorLab.Served served = new CensorLab.Served();
        int asset = lab.paced(new CensorLab.Pace(0, 300, 64 * 1024, 1024, INTERVAL_MS), served);
        ProbeSettings s = settings().toBuilder().downloadBytes(CHUNKS * 1024).build();
        ProbeMeasurement m = measure(s, "https://ok.test:" + httpsPort + "/;asset=http://127.0.0.1:" + asset + "/img/big.jpg");

        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.REACHABLE);
        assertThat(m.getHttpStatus()).isEqualTo(200);
        assertThat(m.getInput()).isEqualTo("https://ok.test:" + httpsPort + "/");
        assertThat(m.getBytesReceived()).as("the asset's bytes, not the 18-byte page").isEqualTo(CHUNKS * 1024L);
        assertThat(m.getThroughputBytesPerSecond()).isCloseTo(PACED_RATE, TOLERANCE);
        assertThat(m.getTlsHandshakeMs()).as("the target's handshake").isPositive();

        ProbeMeasurement refused = measure(s, "https://ok.test:" + httpsPort + "/;asset=http://127.0.0.1:" + lab.closedPort() + "/");
        assertThat(refused.getOutcome()).isEqualTo(MeasurementOutcome.REACHABLE);
        assertThat(refused.getBlockingMethod()).isEqualTo(BlockingMethod.NONE);
        assertThat(refused.getBytesReceived()).isNull();
        assertThat(refused.getDownloadMs()).isNull();
        assertThat(refused.getThroughputBytesPerSecond()).isNull();
    }

    @Test
    void plainHttpHasNoHandshakeTimeAndABodyInOneReadHasNoDownloadTime() throws Exception {
        ProbeMeasurement m = measure("http://ok.test:" + lab.http("<html>hello</html>".getBytes(StandardCharsets.UTF_8), 4096, 0) + "/");
        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.REACHABLE);
        assertThat(m.getTlsHandshakeMs()).isNull();
        assertThat(m.getBytesReceived()).isEqualTo(18);
        assertThat(m.getDownloadMs()).isNull();
        assertThat(m.getThroughputBytesPerSecond()).isNull();
    }

    @Test
    void certificateForAnotherNameIsSslInvalidHostname() {
        ProbeMeasurement m = measure("https://wrong.test:" + httpsPort + "/");
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.TLS);
        assertThat(m.getTlsFailure()).isEqualTo("ssl_invalid_hostname");
    }

    @Test
    void certificateFromAnUnknownAuthorityIsSslUnknownAuthority() throws Exception {
        ProbeMeasurement m = measure(settings().toBuilder().sslContext(SSLContext.getDefault()).build(), "https://ok.test:" + httpsPort + "/");
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.TLS);
        assertThat(m.getTlsFailure()).isEqualTo("ssl_unknown_authority");
    }

    @Test
    void roundMeasuresEveryTargetInOrderAndThenSendsAHeartbeat() throws Exception {
        ProbeSettings s = settings().toBuilder().targets(List.of(Target.parse("gone.test"),
                Target.parse("control:https://ok.test:" + httpsPort + "/"))).build();
        List<ProbeMeasurement> handed = new java.util.ArrayList<>();
        List<org.reachwatch.avro.ProbeHeartbeat> beats = new java.util.ArrayList<>();
        try (ProbeRunner runner = new ProbeRunner(s, CLOCK, handed::add, beats::add)) {
            List<ProbeMeasurement> round = runner.runRound();
            assertThat(round).isEqualTo(handed);
        }
        assertThat(handed).extracting(ProbeMeasurement::getTarget).containsExactly("gone.test", "ok.test");
        assertThat(handed).extracting(ProbeMeasurement::getControl).containsExactly(false, true);
        assertThat(handed.get(0).getMeasurementId()).isNotEqualTo(handed.get(1).getMeasurementId());
        assertThat(beats).hasSize(1);
        assertThat(beats.get(0).getMeasurementsSinceLast()).isEqualTo(2);
        assertThat(beats.get(0).getSentAt()).isEqualTo(T0);
        assertThat(beats.get(0).getProbeId()).isEqualTo("probe-test");
    }

    @Test
    void refusedMeasurementsAreCountedAndTheHeartbeatStillGoesOut() throws Exception {
        ProbeSettings s = settings().toBuilder().targets(List.of(Target.parse("gone.test"), Target.parse("also-gone.test"))).build();
        List<org.reachwatch.avro.ProbeHeartbeat> beats = new java.util.ArrayList<>();
        try (ProbeRunner runner = new ProbeRunner(s, CLOCK, m -> {
            throw new org.reachwatch.producer.SpoolFullException("spool full");
        }, beats::add)) {
            assertThat(runner.runRound()).hasSize(2);
            assertThat(runner.notAccepted()).isEqualTo(2);
        }
        assertThat(beats).hasSize(1);
    }
}
