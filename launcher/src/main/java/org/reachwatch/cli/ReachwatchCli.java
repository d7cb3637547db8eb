package org.reachwatch.cli;

import java.lang.reflect.Constructor;
import java.util.Locale;
import java.util.Map;
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
            TopicsCommand.class,
            ReplayCommand.class,
            DetectCommand.class,
            AlertCommand.class,
            EventsCommand.class,
            ReportCommand.class,
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
        // Numbers print the same for every user (scripts parse them), and the detector runs faster: Kafka
        // Streams formats a log line with %d for every record and every empty input partition of a task
        // (three per detector task), trace logging on or off, and the JDK's Formatter builds a fresh
        // DecimalFormatSymbols for each %d unless the format locale is exactly en-US (about a tenth of the
        // detector's stream thread in a JFR profile of ./reachwatch bench).
        Locale.setDefault(Locale.Category.FORMAT, Locale.US);
        System.exit(commandLine().execute(args));
    }

    /** The configured command line reading this process's environment, also used by tests to capture output. */
    public static CommandLine commandLine() {
        return commandLine(Environment.system());
    }

    /** The command line reading {@code env} instead of the process's environment (tests). */
    static CommandLine commandLine(Map<String, String> env) {
        return commandLine(new Environment(env));
    }

    private static CommandLine commandLine(Environment env) {
        return new CommandLine(new ReachwatchCli(), new EnvironmentFactory(env))
                .setExecutionExceptionHandler(new OneLineErrorHandler());
    }

    /** Creates commands and option groups, handing the environment to those whose constructor takes it. */
    private record EnvironmentFactory(Environment env) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            try {
                Constructor<K> constructor = type.getDeclaredConstructor(Environment.class);
                constructor.setAccessible(true);
                return constructor.newInstance(env);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(type);
            }
        }
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }
}
