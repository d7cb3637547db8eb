package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

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
    void badTargetIsAOneLineErrorWithExitCodeOne() {
        StringWriter err = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("probe", "--once", "--print", "--target", "ftp://x.com/");
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("must be http or https");
    }
}
