package org.reachwatch.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code reachwatch} command: one subcommand class per verb, errors as one line and an exit code. */
@Command(name = "reachwatch", mixinStandardHelpOptions = true, version = "reachwatch 0.1.0",
        description = "Detects, live, when an online service stops being reachable from a country or a network.",
        subcommands = {
            CommandLine.HelpCommand.class,
            DemoCommand.class,
            StackCommand.class,
            ReplayCommand.class,
            DetectCommand.class,
            ProbeCommand.class,
            ImportBenchCommand.class,
            SerdeBenchCommand.class,
            SimulateCommand.class,
            EvalCommand.class,
            BenchCommand.class,
        })
public final class ReachwatchCli implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests to capture output. */
    public static CommandLine commandLine() {
        return new CommandLine(new ReachwatchCli())
                .setExecutionExceptionHandler(new OneLineErrorHandler());
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }
}
