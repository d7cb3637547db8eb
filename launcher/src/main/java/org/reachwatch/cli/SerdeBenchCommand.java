package org.reachwatch.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.TestKind;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.registry.SchemaRegistryServer;
import org.reachwatch.schemas.registry.HttpSchemaRegistryClient;
import org.reachwatch.schemas.serde.AvroDeserializer;
import org.reachwatch.schemas.serde.AvroSerdeConfig;
import org.reachwatch.schemas.serde.AvroSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch bench-serde}: throughput of the Avro serde (ProbeMeasurement, Confluent wire
 * format) over a real Schema Registry on an embedded broker, single thread, after a warm-up.
 * Also reports how many registry requests the measured phase made (0 when caching works).
 */
@Command(name = "bench-serde", mixinStandardHelpOptions = true,
        description = "Measures Avro serialize/deserialize records per second through a real schema registry.")
public final class SerdeBenchCommand implements Callable<Integer> {
    private static final String TOPIC = "bench.measurements";
    private static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");

    @Spec
    CommandSpec spec;

    @Option(names = "--records", defaultValue = "500000", description = "Records per measured pass. Default: ${DEFAULT-VALUE}.")
    int records;

    @Option(names = "--warmup", defaultValue = "200000", description = "Records per warm-up pass. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Override
    public Integer call() {
        if (records <= 0 || warmup < 0) {
            throw new IllegalArgumentException("--records must be positive and --warmup not negative");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             SchemaRegistryServer registry = SchemaRegistryServer.start(broker.bootstrapServers(), 0)) {
            Map<String, String> config = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
            HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(registry.url());
            AvroSerializer<ProbeMeasurement> serializer = new AvroSerializer<>(client);
            serializer.configure(config, false);
            AvroDeserializer<ProbeMeasurement> deserializer = new AvroDeserializer<>(client, ProbeMeasurement.class);
            deserializer.configure(config, false);

            List<ProbeMeasurement> sample = new ArrayList<>();
            for (int i = 0; i < 1024; i++) {
                sample.add(measurement(i));
            }
            byte[][] encoded = new byte[sample.size()][];
            long checksum = 0;
            for (int pass = 0; pass < 2; pass++) {
                boolean measured = pass == 1;
                int n = measured ? records : warmup;
                long requestsBefore = registry.requestCount();
                long start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    byte[] bytes = serializer.serialize(TOPIC, sample.get(i & 1023));
                    encoded[i & 1023] = bytes;
                    checksum += bytes.length;
                }
                long serializeNanos = System.nanoTime() - start;
                start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    checksum += deserializer.deserialize(TOPIC, encoded[i & 1023]).getMeasurementId().length();
                }
                long deserializeNanos = System.nanoTime() - start;
                if (measured) {
                    out.printf("records=%d payload_bytes=%d%n", n, encoded[0].length);
                    out.printf("serialize_records_per_s=%.0f%n", n * 1e9 / serializeNanos);
                    out.printf("deserialize_records_per_s=%.0f%n", n * 1e9 / deserializeNanos);
                    out.printf("registry_requests_during_measurement=%d%n", registry.requestCount() - requestsBefore);
                }
            }
            spec.commandLine().getErr().println("checksum " + checksum);
            out.flush();
        }
        return 0;
    }

    private static ProbeMeasurement measurement(int n) {
        return ProbeMeasurement.newBuilder()
                .setMeasurementId("bench-" + n).setProbeId("probe-" + (n % 17)).setCountry(n % 2 == 0 ? "PK" : "IR")
                .setAsn("AS" + (17557 + n % 5)).setTarget("x.com").setTestKind(TestKind.REACHABILITY)
                .setStartTime(T0.plusSeconds(n)).setRuntimeMs(150L + n % 40)
                .setOutcome(n % 3 == 0 ? MeasurementOutcome.UNREACHABLE : MeasurementOutcome.REACHABLE)
                .setBlockingMethod(n % 3 == 0 ? BlockingMethod.TLS : BlockingMethod.NONE)
                .setTlsFailure(n % 3 == 0 ? "connection_reset" : null).setDnsAnswers(List.of("104.244.42.1"))
                .setLatencyMs(12.5 + n % 10).setSource(MeasurementSource.PROBE).build();
    }
}
