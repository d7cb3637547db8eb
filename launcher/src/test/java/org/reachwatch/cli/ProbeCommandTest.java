package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.json.AvroJson;
import picocli.CommandLine;

class ProbeCommandTest {
    @Test
    void onceAndPrintWritesOneJsonLinePerTargetAndExitsZeroWhenTargetsFail() throws Exception {
        // a resolver on loopback that never answers: every lookup times out, which is data, not an error
        try (DatagramSocket silentDns = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            StringWriter out = new StringWriter();
            CommandLine cli = ReachwatchCli.commandLine();
            cli.setOut(new PrintWriter(out));
            int exit = cli.execute("probe", "--once", "--print", "--country", "pk", "--asn", "AS17557",
                    "--probe-id", "cli-test", "--resolver", "127.0.0.1:" + silentDns.getLocalPort(), "--timeout-seconds", "1",
                    "--target", "x.com", "--control", "example.com");
            assertThat(exit).isZero();
            List<ProbeMeasurement> lines = out.toString().lines()
                    .map(l -> AvroJson.fromJsonLine(l, ProbeMeasurement.class)).toList();
            assertThat(lines).extracting(ProbeMeasurement::getTarget).containsExactly("x.com", "example.com");
            assertThat(lines).extracting(ProbeMeasurement::getControl).containsExactly(false, true);
            assertThat(lines).allSatisfy(m -> {
                assertThat(m.getCountry()).isEqualTo("PK");
                assertThat(m.getAsn()).isEqualTo("AS17557");
                assertThat(m.getProbeId()).isEqualTo("cli-test");
                assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.UNREACHABLE);
                assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.DNS);
                assertThat(m.getDnsFailure()).isEqualTo("generic_timeout_error");
            });
        }
    }

    @Test
    void printShowsTheTimedDownloadOfTheGivenNumberOfBytes() throws Exception {
        // 4 KiB every 10 ms from a loopback server: the download of 64 KiB takes ~150 ms, in several reads
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread serving = new Thread(() -> servePaced(server, 256 * 1024, 4096, 10), "paced-http");
            serving.setDaemon(true);
            serving.start();
            StringWriter out = new StringWriter();
            CommandLine cli = ReachwatchCli.commandLine();
            cli.setOut(new PrintWriter(out));
            int exit = cli.execute("probe", "--once", "--print", "--country", "pk", "--timeout-seconds", "5",
                    "--download-bytes", "65536", "--target", "http://127.0.0.1:" + server.getLocalPort() + "/big");
            assertThat(exit).isZero();
            String line = out.toString().strip();
            assertThat(line).contains("\"downloadMs\"", "\"tlsHandshakeMs\"", "\"throughputBytesPerSecond\"");
            ProbeMeasurement m = AvroJson.fromJsonLine(line, ProbeMeasurement.class);
            assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.REACHABLE);
            assertThat(m.getBytesReceived()).isEqualTo(65536L);
            assertThat(m.getDownloadMs()).isGreaterThan(100.0);
            assertThat(m.getThroughputBytesPerSecond()).isEqualTo(65536 / (m.getDownloadMs() / 1000));
            assertThat(m.getTlsHandshakeMs()).as("plain http: no handshake").isNull();
        }
    }

    @Test
    void downloadBytesMustBePositive() {
        StringWriter err = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("probe", "--once", "--print", "--download-bytes", "0", "--target", "x.com");
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("download bytes must be positive");
    }

    /** Answers one request with {@code length} bytes, {@code chunk} bytes every {@code intervalMillis} (paced against the clock). */
    private static void servePaced(ServerSocket server, int length, int chunk, long intervalMillis) {
        try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            int matched = 0;
            while (matched < 4) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                matched = (c == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (c == '\r' ? 1 : 0);
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            long start = System.nanoTime();
            for (int i = 0, sent = 0; sent < length; i++, sent += chunk) {
                long wait = start + TimeUnit.MILLISECONDS.toNanos(i * intervalMillis) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // the emulated slow network, server side
                }
                out.write(new byte[chunk]);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the probe stopped reading at its bound
        }
    }

    @Test
    void badTargetIsAOneLineErrorWithExitCodeOne() {
        StringWriter err = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("probe", "--once", "--print", "--target", "ftp://x.com/");
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("must be http or https");
    }
}
