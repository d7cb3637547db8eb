package org.reachwatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.json.AvroJson;

/**
 * The scenario files that existed before the simulator measured speed produce the same fleet as they did
 * then: same records in the same arrival order, same ids, times, outcomes, methods, latencies, everything,
 * apart from what speed added. The fingerprints below were computed by this test on the simulator of
 * commit d2cce0b (before throughput existed, when the speed fields were all null); speed draws from a
 * random stream of its own, so they must not move.
 *
 * <p>What speed added, and how the fingerprint takes it out: the four speed fields
 * ({@code throughputBytesPerSecond}, {@code bytesReceived}, {@code downloadMs}, {@code tlsHandshakeMs}) are
 * cleared, and a reachable measurement's {@code runtimeMs}, which now also covers the TLS handshake and the
 * timed download, has exactly {@code round(tlsHandshakeMs + downloadMs)} taken off again. Anything else
 * that changes (an extra draw from a probe's main stream, a reordered record) changes the fingerprint.
 *
 * <p>If a scenario file is edited on purpose, its fingerprint here must be recomputed (this test prints
 * the new one); the file's own hash is kept beside it so the failure says which of the two changed.
 */
class SimulatorGoldenTest {
    /** scenario file -> {SHA-256 of the file, SHA-256 of its fleet without speed}. */
    private static final Map<String, String[]> GOLDEN = Map.ofEntries(
            Map.entry("global-outage.yaml", new String[] {"e4e3ba589581dc4c2147cfa2a5ade12f93ac47304700074b837698dcffcd664c",
                    "61080008b293d4b49f33b0f38781d1b856550873ed6f7c54972da6563c48f0dc"}),
            Map.entry("isp-only-block.yaml", new String[] {"8f133f1fee7e1665ad9a828848223fceec3acc17843d8574993e203af07b8761",
                    "f3a392e501b39b7bdefb5f708e8e431b3d67f6a9aad763ecd12a3f38c1f4a623"}),
            Map.entry("method-change.yaml", new String[] {"5a474240c0bd807f6704dff64b7c83b1e49f25b2c71b5543c189b2cc87b7a0fe",
                    "aaa554c7317fe8b6138de9c222863326f5a8d4c322132b8f913612c1e33b7a00"}),
            Map.entry("mobile-curfew.yaml", new String[] {"5d2d3f1bd2361751e5a379aa8aeeb8fab9ffc51fea2eba3ed6659340a2421ba8",
                    "8d2df1348c0cb3b5f44cfc42ae5f303eb3b061162e0bee9f79d1001cc36459d3"}),
            Map.entry("nationwide-blackout.yaml", new String[] {"6cb8f100653d2ae127a8dd13d6a18a7b2251104cb03465f38c6c07541a3f8a4a",
                    "f4d0c464a3ef3182e5546af9cf2bf97a7388ec86550c4df78546e6fc3c94776a"}),
            Map.entry("noisy-no-disruption.yaml", new String[] {"91998d64d6205593cc35436455dc1b7db701570efba8295f798fe0dbb97fc768",
                    "b5c15f9d0258ab9a3ec421791fd770397056b5362ce13a23cbf09f9bff5fb06c"}),
            Map.entry("pakistan-2024.yaml", new String[] {"a184e7fa05087362fc4792c45a7d16e312326bb12add58a7b48a66e4a7537bdc",
                    "932f7c93c365cfcde1affac1fbb15adbf9f2500cf48241dd460900607fcce671"}),
            Map.entry("partial-30pct.yaml", new String[] {"35423d18ce286dd8993c0fd5a6f582522ff093704694c07ac17da5f88600a5a4",
                    "227ea54974295bc6df3224f6aa5202b646f91330b3ec283d463180f37a37027e"}),
            Map.entry("quiet-week.yaml", new String[] {"ec9d54567c58ba09baa4f57b0f6719d80df891271ae4a10248645fac05c82f2b",
                    "a788c1a0e65c6dbdf2ecf58913b882a0bcaaa83d0649062a320c618cd3c57fd2"}),
            Map.entry("shutdown.yaml", new String[] {"505a93a1041f4978a2fde2b86842694e81a62924bcd70c39b1feb0db96b952b7",
                    "02da0c44a2ca37648c778ef87ee4a4d2599fa66b76b70c2c6e516f135fe836e5"}));

    @Test
    void existingScenariosSimulateExactlyAsBeforeSpeedApartFromTheSpeedFields() throws IOException {
        Map<String, String> mismatches = new TreeMap<>();
        for (Map.Entry<String, String[]> e : GOLDEN.entrySet()) {
            Path file = ScenarioTest.repoRoot().resolve("scenarios").resolve(e.getKey());
            String fileHash = sha256(Files.readAllBytes(file));
            String fleetHash = fingerprint(Scenario.read(file));
            if (!fileHash.equals(e.getValue()[0])) {
                mismatches.put(e.getKey(), "the scenario file changed since its fingerprint was taken: recompute it "
                        + "(file " + fileHash + ", fleet " + fleetHash + ")");
            } else if (!fleetHash.equals(e.getValue()[1])) {
                mismatches.put(e.getKey(), "same file, different fleet: the simulator's main random streams moved "
                        + "(fleet " + fleetHash + ")");
            }
        }
        assertThat(mismatches).isEmpty();
        assertThat(GOLDEN).hasSize(10);
    }

    /** Prints the fingerprints of every scenario file, for recording them above. */
    public static void main(String[] args) throws IOException {
        try (var files = Files.list(ScenarioTest.repoRoot().resolve("scenarios"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                System.out.printf("Map.entry(\"%s\", new String[] {\"%s\", \"%s\"}),%n", f.getFileName(),
                        sha256(Files.readAllBytes(f)), fingerprint(Scenario.read(f)));
            }
        }
    }

    /** SHA-256 over every record in arrival order: its arrival and its JSON line with speed taken out. */
    static String fingerprint(Scenario s) {
        MessageDigest digest = sha256();
        Iterator<TimedMeasurement> it = Simulator.run(s);
        while (it.hasNext()) {
            TimedMeasurement t = it.next();
            String line = t.arrival() + " " + AvroJson.toJsonLine(withoutSpeed(t.measurement())) + "\n";
            digest.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static ProbeMeasurement withoutSpeed(ProbeMeasurement m) {
        ProbeMeasurement.Builder b = ProbeMeasurement.newBuilder(m)
                .setThroughputBytesPerSecond(null).setBytesReceived(null).setDownloadMs(null).setTlsHandshakeMs(null);
        if (m.getDownloadMs() != null) {
            b.setRuntimeMs(m.getRuntimeMs() - Math.round(m.getTlsHandshakeMs() + m.getDownloadMs()));
        }
        return b.build();
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
