package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.reachwatch.simulator.Scenario;
import picocli.CommandLine;

/**
 * The repository's scenario suite, run as {@code reachwatch eval} runs it: simulate, replay through
 * the real detector on an embedded broker and registry, score against the truth, and hold each
 * scenario to its own {@code expect:} block (recall, false incidents, delays, phase recall, false
 * outages, extra lifecycle steps, network attribution, and the throttling figures). The README's "What
 * it finds" table is what these blocks guard: a scenario without one, or one that lets false outages,
 * extra steps or false throttling through, fails here before it is run; a scenario with throttles must
 * ask for every throttle found, its end reported, its networks named, and no extra step.
 */
class ScenarioSuiteIT {
    private static final Path SCENARIOS = Path.of("..", "scenarios").toAbsolutePath().normalize();

    @Test
    void everyScenarioMeetsItsExpectations() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(SCENARIOS)) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(12);
        List<String> names = new ArrayList<>();
        List<String> args = new ArrayList<>(List.of("eval", "--out-dir", "target/scenario-suite"));
        for (Path file : files) {
            Scenario scenario = Scenario.read(file);
            Scenario.Expect expect = scenario.expect();
            assertThat(expect).as("%s has an expect: block", file.getFileName()).isNotNull();
            assertThat(expect.maxFalseOutages()).as("%s: maxFalseOutages", file.getFileName()).isZero();
            assertThat(expect.maxExtraSteps()).as("%s: maxExtraSteps", file.getFileName()).isZero();
            assertThat(expect.maxFalsePerRegionTargetWeek()).as("%s: maxFalsePerRegionTargetWeek", file.getFileName()).isZero();
            assertThat(expect.maxFalseThrottling()).as("%s: maxFalseThrottling", file.getFileName()).isZero();
            if (!scenario.disruptions().isEmpty()) {
                assertThat(expect.minRecall()).as("%s: minRecall", file.getFileName()).isEqualTo(1.0);
                assertThat(expect.minAttribution()).as("%s: minAttribution", file.getFileName()).isEqualTo(1.0);
            }
            if (!scenario.throttles().isEmpty()) {
                assertThat(expect.minThrottleRecall()).as("%s: minThrottleRecall", file.getFileName()).isEqualTo(1.0);
                assertThat(expect.minThrottleEndRecall()).as("%s: minThrottleEndRecall", file.getFileName()).isEqualTo(1.0);
                assertThat(expect.minThrottleAttribution()).as("%s: minThrottleAttribution", file.getFileName()).isEqualTo(1.0);
                assertThat(expect.maxThrottleExtraSteps()).as("%s: maxThrottleExtraSteps", file.getFileName()).isZero();
            }
            names.add(scenario.name());
            args.add("--scenario");
            args.add(file.toString());
        }
        StringWriter out = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));

        int exit = cli.execute(args.toArray(String[]::new));

        System.out.println(out);
        if (exit != 0 || out.toString().contains("EXPECTATION NOT MET")) {
            System.out.println("eval exited " + exit + "; its error stream:\n" + err); // the cause, when a run fails
        }
        assertThat(out.toString()).doesNotContain("EXPECTATION NOT MET");
        for (String name : names) {
            assertThat(out.toString()).contains(name + ": expectations met");
        }
        // The README's phase counts: phase recall 1.0 alone would also pass with fewer phases in the truth.
        assertThat(row(out.toString(), "pakistan-2024", "phases detected")).isEqualTo("8 / 8");
        assertThat(row(out.toString(), "mobile-curfew", "phases detected")).isEqualTo("4 / 4");
        // Both throttled targets (twitter.com and its media host), each ended once, at the last lift on mobile.
        assertThat(row(out.toString(), "russia-2021-throttling", "throttles detected")).isEqualTo("2 / 2");
        assertThat(row(out.toString(), "russia-2021-throttling", "throttle ends reported")).isEqualTo("2 / 2");
        // The second stage: the global outage's three countries are on three different partitions of six.
        Matcher outages = Pattern.compile("== global-outage \\(.*?service outages \\(across partitions\\): found (\\d+)/(\\d+), "
                + "ended (\\d+)/\\d+, false (\\d+)", Pattern.DOTALL).matcher(out.toString());
        assertThat(outages.find()).as("service outages line of global-outage").isTrue();
        assertThat(List.of(outages.group(1), outages.group(2), outages.group(3), outages.group(4)))
                .containsExactly("1", "1", "1", "0");
        assertThat(exit).isZero();
    }

    /** A "x / y" row of one scenario's score table. */
    private static String row(String output, String scenario, String name) {
        Matcher m = Pattern.compile("== " + Pattern.quote(scenario) + " \\(.*?" + Pattern.quote(name) + "\\s+(\\d+ / \\d+)",
                Pattern.DOTALL).matcher(output);
        assertThat(m.find()).as("score table of %s", scenario).isTrue();
        return m.group(1);
    }
}
