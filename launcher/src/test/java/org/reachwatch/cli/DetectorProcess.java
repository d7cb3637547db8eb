package org.reachwatch.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code reachwatch detect} in a child JVM on the launcher's own classpath
 * ({@code target/classes} and {@code target/lib}, as {@code ./reachwatch} runs it), so tests can
 * stop it as an operator would: SIGTERM, or {@code kill -9}. Output goes to a log file, one per process.
 * Set {@code -Dreachwatch.launcher.target=DIR} to run another build (before/after measurements).
 */
final class DetectorProcess implements AutoCloseable {
    static final String RUNNING_LINE = "detector running on ";
    private static final String LOG = "org.slf4j.simpleLogger.log.";
    private static final java.util.regex.Pattern RESTORED = java.util.regex.Pattern.compile(
            "Finished restoring changelog (\\S+) to store \\S+ with a total number of (\\d+) records");

    private final Process process;
    private final Path log;
    private final long startedNanos;

    private DetectorProcess(Process process, Path log, long startedNanos) {
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
    }

    static DetectorProcess start(String bootstrapServers, String registryUrl, Path stateDir, String applicationId, Path log,
                                 String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("detect",
                "--bootstrap-servers", bootstrapServers, "--schema-registry-url", registryUrl,
                "--state-dir", stateDir.toString(), "--application-id", applicationId, "--status-seconds", "5"));
        if (!List.of(more).contains("--http-port")) {
            // The drills measure the detector without its HTTP surfaces (DetectHttpIT, ApiClusterIT and
            // DashboardBrowserIT test those).
            args.add("--no-http");
        }
        args.addAll(List.of(more));
        return command(log, args);
    }

    /** Any {@code reachwatch} command in a child JVM, e.g. {@code alert} or {@code events}. */
    static DetectorProcess command(Path log, List<String> args) throws IOException {
        Path target = Path.of(System.getProperty("reachwatch.launcher.target", "target")).toAbsolutePath();
        String classpath = target.resolve("classes") + java.io.File.pathSeparator + target.resolve("lib") + "/*";
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx512m",
                // What the drills look for in the log: how much state a start restored, and broker outages.
                "-D" + LOG + "org.apache.kafka.streams.processor.internals.StoreChangelogReader=info",
                "-D" + LOG + "org.apache.kafka.clients.NetworkClient=warn",
                // What a stall's report needs: a task not ready to process for two minutes says why (at info),
                // the stream thread's state changes, and the producer's transaction errors.
                "-D" + LOG + "org.apache.kafka.streams.processor.internals.StreamTask=info",
                "-D" + LOG + "org.apache.kafka.streams.processor.internals.StreamThread=info",
                "-D" + LOG + "org.apache.kafka.clients.producer.internals.TransactionManager=info",
                "-cp", classpath,
                "org.reachwatch.cli.ReachwatchCli"));
        command.addAll(args);
        Files.createDirectories(log.toAbsolutePath().getParent());
        Files.deleteIfExists(log);
        long started = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new DetectorProcess(process, log, started);
    }

    /** Waits for the "detector running" line (Kafka Streams RUNNING); returns the time since the JVM was started. */
    Duration awaitRunning(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (output().contains(RUNNING_LINE)) {
                return Duration.ofNanos(System.nanoTime() - startedNanos);
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("detector exited with " + process.exitValue() + " before RUNNING; log:\n" + tail());
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new IllegalStateException("detector not RUNNING within " + timeout + "; log:\n" + tail());
    }

    /** Changelog records each store restored on this start, by changelog (Kafka Streams' own log lines). */
    java.util.Map<String, Long> restored() throws IOException {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        java.util.regex.Matcher m = RESTORED.matcher(output());
        while (m.find()) {
            out.merge(m.group(1), Long.parseLong(m.group(2)), Long::sum);
        }
        return out;
    }

    /** Waits until the output holds {@code needle} at least {@code times} times. */
    void awaitOutput(String needle, int times, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count(output(), needle) < times) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("'" + needle + "' not seen " + times + " times within " + timeout + "; log:\n" + tail());
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    /** SIGTERM, then waits for the exit; returns the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("detector did not exit within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    /** {@code kill -9}: no shutdown hook, no close, no checkpoint. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    String tail() {
        try {
            String text = output();
            // The detector prints its counters every few seconds: a stall's cause would scroll out of a plain tail.
            List<String> warnings = text.lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("Exception")
                            || l.contains("not ready to process") || l.contains("State transition") || l.contains("Transiting to"))
                    .map(l -> l.length() <= 400 ? l : l.substring(0, 400) + "...").toList();
            String last = text.length() <= 1500 ? text : text.substring(text.length() - 1500);
            return "last lines:\n" + last + "\nlast warnings, errors and state changes (" + warnings.size() + " in all):\n"
                    + String.join("\n", warnings.subList(Math.max(0, warnings.size() - 30), warnings.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** The child's threads and their stacks ({@code jcmd Thread.print}), for a stall's report. */
    String threadDump() {
        if (!process.isAlive()) {
            return "(exited)";
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process dump = new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), "Thread.print").redirectErrorStream(true).start();
            String text = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            dump.waitFor(30, TimeUnit.SECONDS);
            // The stream threads are where a stall shows; the rest is the JVM's own.
            return java.util.Arrays.stream(text.split("\n\\s*\n")).filter(block -> block.startsWith("\"") && block.contains("StreamThread"))
                    .collect(java.util.stream.Collectors.joining("\n\n"));
        } catch (IOException e) {
            return "(no thread dump: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
