package org.reachwatch.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.probe.BlockpageFingerprint;
import org.reachwatch.probe.ProbeRunner;
import org.reachwatch.probe.ProbeSettings;
import org.reachwatch.probe.Target;
import org.reachwatch.producer.DiskSpool;
import org.reachwatch.producer.HeartbeatPublisher;
import org.reachwatch.producer.MeasurementPublisher;
import org.reachwatch.schemas.json.AvroJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch probe}: measures the configured targets on a schedule and publishes the
 * measurements (lossless, through a disk spool) and heartbeats to Kafka; {@code --once --print}
 * runs one round and prints the measurements as JSON lines without a broker.
 *
 * <p>Settings come from, in increasing priority: defaults in code, a properties file
 * ({@code --config}), environment variables {@code REACHWATCH_PROBE_*}, and flags.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Measure reachability of targets (DNS, TCP, TLS, HTTP) from this network and publish the "
                + "measurements and heartbeats to Kafka.",
            "Failures are data: an unreachable target is a measurement, not an error (exit 0)."})
public final class ProbeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--once", description = "Run one round, then exit.")
    boolean once;

    @Option(names = "--print", description = "Print measurements as JSON lines instead of publishing them (no broker).")
    boolean print;

    @Option(names = "--config", description = "Properties file (probe.id, probe.country, probe.asn, probe.network-name, "
            + "probe.targets, probe.controls, probe.resolver, probe.interval-seconds, probe.jitter-seconds, probe.blockpages).")
    Path config;

    @Option(names = "--target", split = ",", description = "Target host name or URL (repeatable; replaces the default list).")
    List<String> targets;

    @Option(names = "--control", split = ",", description = "Control target host name or URL (repeatable).")
    List<String> controls;

    @Option(names = "--probe-id", description = "Stable id of this probe (default: probe-<hostname>).")
    String probeId;

    @Option(names = "--country", description = "ISO country code of this network (default ZZ: unknown).")
    String country;

    @Option(names = "--asn", description = "Autonomous system of this network, e.g. AS17557.")
    String asn;

    @Option(names = "--network-name", description = "Operator name of this network.")
    String networkName;

    @Option(names = "--resolver", description = "DNS server host[:port] queried directly (default: the system resolver).")
    String resolver;

    @Option(names = "--blockpage", description = "Blockpage fingerprint name=regex (repeatable; replaces the defaults).")
    List<String> blockpages;

    @Option(names = "--timeout-seconds", description = "Timeout of each step (DNS, connect, TLS); HTTP gets twice this.")
    Integer timeoutSeconds;

    @Option(names = "--interval-seconds", description = "Pause between rounds (default 300).")
    Integer intervalSeconds;

    @Option(names = "--jitter-seconds", description = "Random extra pause, 0..N seconds (default 30).")
    Integer jitterSeconds;

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers (default localhost:9092).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", description = "Schema Registry URL (default http://localhost:8081).")
    String schemaRegistryUrl;

    @Option(names = "--spool-dir", description = "Disk spool for measurements while Kafka is unreachable (default ./reachwatch-spool).")
    Path spoolDir;

    @Option(names = "--spool-max-mb", description = "Spool bound in MiB; when full, new measurements are refused loudly (default 256).")
    Integer spoolMaxMb;

    @Override
    public Integer call() throws Exception {
        Properties file = new Properties();
        if (config != null) {
            try (InputStream in = Files.newInputStream(config)) {
                file.load(in);
            }
        }
        ProbeSettings settings = settings(file);
        PrintWriter out = spec.commandLine().getOut();
        if (print) {
            try (ProbeRunner runner = new ProbeRunner(settings, Clock.systemUTC(),
                    m -> out.println(AvroJson.toJsonLine(m)), hb -> { })) {
                if (once) {
                    runner.runRound();
                } else {
                    runner.runForever();
                }
            } finally {
                out.flush();
            }
            return 0;
        }
        String bootstrap = pick(bootstrapServers, file, "probe.bootstrap-servers", "localhost:9092");
        String registry = pick(schemaRegistryUrl, file, "probe.schema-registry-url", "http://localhost:8081");
        Path spoolPath = spoolDir != null ? spoolDir : Path.of(pick(null, file, "probe.spool-dir", "reachwatch-spool"));
        long spoolBytes = (long) intOf(spoolMaxMb, file, "probe.spool-max-mb", 256) << 20;
        // fsync at most once a second: a power cut may cost the last second of measurements, a JVM crash none
        DiskSpool spool = new DiskSpool(spoolPath, spoolBytes, Duration.ofSeconds(1));
        try (MeasurementPublisher publisher = MeasurementPublisher.create(bootstrap, registry, spool);
             HeartbeatPublisher heartbeats = HeartbeatPublisher.create(bootstrap, registry);
             ProbeRunner runner = new ProbeRunner(settings, Clock.systemUTC(), publisher::publish, heartbeats)) {
            if (once) {
                List<ProbeMeasurement> round = runner.runRound();
                boolean delivered = publisher.awaitDelivered(Duration.ofSeconds(30));
                publisher.close(Duration.ZERO);
                spec.commandLine().getErr().printf("reachwatch probe: %d measurements %s%n", round.size(), delivered
                        ? "published" : "spooled in " + spoolPath + " (Kafka unreachable; they are sent at the next start)");
            } else {
                runner.runForever();
            }
        }
        return 0;
    }

    private ProbeSettings settings(Properties file) {
        ProbeSettings defaults = ProbeSettings.defaults();
        List<Target> list = new ArrayList<>();
        List<String> t = targets != null ? targets : listOf(file, "probe.targets");
        List<String> c = controls != null ? controls : listOf(file, "probe.controls");
        if (t == null && c == null) {
            list.addAll(defaults.targets());
        } else {
            (t == null ? List.<String>of() : t).forEach(s -> list.add(Target.parse(s)));
            (c == null ? List.<String>of() : c).forEach(s -> list.add(Target.parse("control:" + s.replaceFirst("^control:", ""))));
        }
        ProbeSettings s = defaults
                .withIdentity(pick(probeId, file, "probe.id", defaults.probeId()),
                        pick(country, file, "probe.country", "ZZ"),
                        pick(asn, file, "probe.asn", null),
                        pick(networkName, file, "probe.network-name", null))
                .withTargets(list)
                .withResolver(pick(resolver, file, "probe.resolver", null))
                .withSchedule(Duration.ofSeconds(intOf(intervalSeconds, file, "probe.interval-seconds", 300)),
                        Duration.ofSeconds(intOf(jitterSeconds, file, "probe.jitter-seconds", 30)));
        List<String> fp = blockpages != null ? blockpages : listOf(file, "probe.blockpages");
        if (fp != null) {
            s = s.withFingerprints(fp.stream().map(BlockpageFingerprint::parse).toList());
        }
        Integer timeout = timeoutSeconds != null ? timeoutSeconds
                : (pick(null, file, "probe.timeout-seconds", null) == null ? null
                : Integer.valueOf(pick(null, file, "probe.timeout-seconds", null)));
        if (timeout != null) {
            Duration d = Duration.ofSeconds(timeout);
            s = s.withTimeouts(d, d, d, d.multipliedBy(2));
        }
        return s;
    }

    /** Flag, else environment REACHWATCH_PROBE_<KEY>, else properties file, else the default. */
    private static String pick(String flag, Properties file, String key, String fallback) {
        if (flag != null) {
            return flag;
        }
        String env = System.getenv("REACHWATCH_" + key.toUpperCase().replace('.', '_').replace('-', '_'));
        if (env != null && !env.isBlank()) {
            return env;
        }
        return file.getProperty(key, fallback);
    }

    private static int intOf(Integer flag, Properties file, String key, int fallback) {
        return Integer.parseInt(pick(flag == null ? null : flag.toString(), file, key, Integer.toString(fallback)));
    }

    private static List<String> listOf(Properties file, String key) {
        String v = pick(null, file, key, null);
        return v == null || v.isBlank() ? null : Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

}
