package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ImportBenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void reportsLinesMeasurementsBadLinesAndRates() throws Exception {
        Path file = dir.resolve("m.jsonl");
        String good = "{\"test_name\":\"web_connectivity\",\"probe_cc\":\"PK\",\"probe_asn\":\"AS17557\",\"input\":\"https://x.com/\","
                + "\"measurement_start_time\":\"2024-02-17 20:00:00\",\"test_keys\":{\"blocking\":false,\"accessible\":true}}";
        Files.writeString(file, good + "\nnot json\n" + good + "\n");
        StringWriter out = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine();
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute("import-bench", "--input", file.toString(), "--format", "ooni", "--repeat", "1");
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("3 lines, 2 measurements, 1 bad lines").contains("lines/s").contains("measurements/s")
                .contains("first bad line: line 2: not valid JSON");
    }

    @Test
    void unknownFormatIsRejectedWithTheValidNames() {
        StringWriter err = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("import-bench", "--input", "x", "--format", "csv");
        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("ooni, ooni-obs, native");
    }
}
