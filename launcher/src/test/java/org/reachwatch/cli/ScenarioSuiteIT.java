package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The repository's scenario suite, run as {@code reachwatch eval} runs it: simulate, replay through
 * the real detector on an embedded broker and registry, score against the truth, and hold each
 * scenario to its own {@code expect:} block.
 */
class ScenarioSuiteIT {
    private static final Path SCENARIOS = Path.of("..", "scenarios").toAbsolutePath().normalize();

    @Test
    void everyScenarioMeetsItsExpectations() throws IOException {
        List<String> args = new ArrayList<>(List.of("eval"));
        try (Stream<Path> files = Files.list(SCENARIOS)) {
            files.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(p -> {
                args.add("--scenario");
                args.add(p.toString());
            });
        }
        assertThat(args).hasSizeGreaterThanOrEqualTo(1 + 2 * 10);
        StringWriter out = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));

        int exit = cli.execute(args.toArray(String[]::new));

        System.out.println(out);
        assertThat(out.toString()).doesNotContain("EXPECTATION NOT MET").contains("pakistan-2024: expectations met");
        assertThat(exit).isZero();
    }
}
