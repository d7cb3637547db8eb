package org.reachwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch probe}: measures the configured targets on a schedule and publishes the
 * measurements (lossless, through a disk spool) and heartbeats to Kafka; {@code --once --print}
 * runs one round and prints the measurements as JSON lines without a broker.
 *
 * <p>Each setting comes from, in decreasing priority: the flag, the environment
 * ({@code REACHWATCH_PROBE_COUNTRY} for {@code probe.country}, ...), the properties file
 * ({@code --config}, or the file named by {@code REACHWATCH_PROBE_CONFIG}), the default. The cluster
 * comes from {@link ClusterOptions} by the same rule. Before probing, the probe logs in to Kafka and
 * the registry once: refused credentials stop it with one line and exit code 1; an unreachable
 * cluster does not (measurements wait in the spool).
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Measure reachability of targets (DNS, TCP, TLS, HTTP) from this network and publish the "
                + "measurements and heartbeats to Kafka.",
            "Failures are data: an unreachable target is a measurement, not an error (exit 0)."})
public final class ProbeCommand implements Callable<Integer> {
    static final String CONFIG_VARIABLE = "REACHWATCH_PROBE_CONFIG";
    /** The keys of the probe's properties file. */
    static final Set<String> KEYS = Set.of("probe.id", "probe.country", "probe.asn", "probe.network-name", "probe.targets",
            "probe.controls", "probe.resolver", "probe.interval-seconds", "probe.jitter-seconds", "probe.blockpages",
            "probe.timeout-seconds", "probe.download-bytes", "probe.spool-dir", "probe.spool-max-mb");
    /** Keys earlier versions read from the probe's file, and where they live now. */
    private static final Map<String, String> MOVED = Map.of(
            "probe.bootstrap-servers", "bootstrap.servers in --kafka-config, or --bootstrap-servers",
            "probe.schema-registry-url", "schema.registry.url in --kafka-config, or --schema-registry-url");

    private final Environment env;

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--once", description = "Run one round, then exit.")
    boolean once;

    @Option(names = "--print", description = "Print measurements as JSON lines instead of publishing them (no broker).")
    boolean print;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file (probe.id, probe.country, probe.asn, "
            + "probe.network-name, probe.targets, probe.controls, probe.resolver, probe.interval-seconds, probe.jitter-seconds, "
            + "probe.blockpages, probe.timeout-seconds, probe.download-bytes, probe.spool-dir, probe.spool-max-mb). "
            + "Env REACHWATCH_PROBE_CONFIG; "
            + "each setting also as REACHWATCH_<NAME>, e.g. REACHWATCH_PROBE_COUNTRY.")
    Path config;

    @Option(names = "--target", split = ",", description = "Target host name or URL (repeatable; replaces the default list); "
            + "a ';asset=URL' suffix times the download of that URL instead of the page, e.g. 'x.com;asset=https://abs.twimg.com/a.js'.")
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

    @Option(names = "--download-bytes", description = "Bytes of each page's (or asset's) body to download and time "
            + "for throughput (default 262144).")
    Integer downloadBytes;

    @Option(names = "--interval-seconds", description = "Pause between rounds (default 300).")
    Integer intervalSeconds;

    @Option(names = "--jitter-seconds", description = "Random extra pause, 0..N seconds (default 30).")
    Integer jitterSeconds;

    @Option(names = "--spool-dir", description = "Disk spool for measurements while Kafka is unreachable (default ./reachwatch-spool).")
    Path spoolDir;

    @Option(names = "--spool-max-mb", description = "Spool bound in MiB; when full, new measurements are refused loudly (default 256).")
    Integer spoolMaxMb;

    ProbeCommand(Environment env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        env.requireKnown(KnownSettings.variables());
        SettingSources sources = new SettingSources(env, loadFile());
        ProbeSettings settings = settings(sources);
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
        Cluster c = cluster.resolve(DetectCommand.DEFAULT_BOOTSTRAP_SERVERS, DetectCommand.DEFAULT_REGISTRY_URL);
        Path spoolPath = spoolDir != null ? spoolDir : Path.of(sources.get(null, "probe.spool-dir", "reachwatch-spool"));
        long spoolBytes = (long) sources.integer(spoolMaxMb, "probe.spool-max-mb", 256) << 20;
        if (!c.checkAccess(Duration.ofSeconds(15))) {
            spec.commandLine().getErr().printf("reachwatch probe: %s does not answer yet; measurements wait in %s%n",
                    c.describe(), spoolPath);
        }
        // fsync at most once a second: a power cut may cost the last second of measurements, a JVM crash none
        DiskSpool spool = new DiskSpool(spoolPath, spoolBytes, Duration.ofSeconds(1));
        try (MeasurementPublisher publisher = MeasurementPublisher.create(c.bootstrapServers(), c.kafka(), c.registryUrl(), spool);
             HeartbeatPublisher heartbeats = HeartbeatPublisher.create(c.bootstrapServers(), c.kafka(), c.registryUrl());
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

    private Properties loadFile() throws IOException {
        Path file = config != null ? config : (env.get(CONFIG_VARIABLE) == null ? null : Path.of(env.get(CONFIG_VARIABLE)));
        Properties props = new Properties();
        if (file == null) {
            return props;
        }
        if (!Files.isReadable(file) || Files.isDirectory(file)) {
            throw new IllegalArgumentException("cannot read config file " + file);
        }
        try (InputStream in = Files.newInputStream(file)) {
            props.load(in);
        }
        for (String key : new TreeSet<>(props.stringPropertyNames())) {
            if (MOVED.containsKey(key)) {
                throw new IllegalArgumentException(key + " in " + file + " is no longer read: use " + MOVED.get(key));
            }
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown probe setting " + key + " in " + file + " (known: " + new TreeSet<>(KEYS) + ")");
            }
        }
        return props;
    }

    private ProbeSettings settings(SettingSources sources) {
        ProbeSettings defaults = ProbeSettings.defaults();
        List<Target> list = new ArrayList<>();
        List<String> t = targets != null ? targets : sources.list("probe.targets");
        List<String> c = controls != null ? controls : sources.list("probe.controls");
        if (t == null && c == null) {
            list.addAll(defaults.targets());
        } else {
            (t == null ? List.<String>of() : t).forEach(s -> list.add(Target.parse(s)));
            (c == null ? List.<String>of() : c).forEach(s -> list.add(Target.parse("control:" + s.replaceFirst("^control:", ""))));
        }
        ProbeSettings.Builder s = defaults.toBuilder()
                .identity(sources.get(probeId, "probe.id", defaults.probeId()), sources.get(country, "probe.country", "ZZ"),
                        sources.get(asn, "probe.asn", null), sources.get(networkName, "probe.network-name", null))
                .targets(list)
                .resolver(sources.get(resolver, "probe.resolver", null))
                .schedule(Duration.ofSeconds(sources.integer(intervalSeconds, "probe.interval-seconds", 300)),
                        Duration.ofSeconds(sources.integer(jitterSeconds, "probe.jitter-seconds", 30)));
        s.downloadBytes(sources.integer(downloadBytes, "probe.download-bytes", ProbeSettings.DEFAULT_DOWNLOAD_BYTES));
        List<String> fp = blockpages != null ? blockpages : sources.list("probe.blockpages");
        if (fp != null) {
            s.fingerprints(fp.stream().map(BlockpageFingerprint::parse).toList());
        }
        if (timeoutSeconds != null || sources.get(null, "probe.timeout-seconds", null) != null) {
            Duration d = Duration.ofSeconds(sources.integer(timeoutSeconds, "probe.timeout-seconds", 0));
            s.timeouts(d, d, d, d.multipliedBy(2));
        }
        return s.build();
    }
}
