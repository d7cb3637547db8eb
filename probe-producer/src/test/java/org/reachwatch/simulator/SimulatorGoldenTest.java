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
 * <p>If a scenario's fleet is edited on purpose, its fingerprint here must be recomputed ({@link #main}
 * prints them); the hash of the file's fleet text (the file without comments and without its
 * {@code expect:} block, which tuning changes and the fleet does not depend on) is kept beside it, so the
 * failure says whether the file or the simulator moved.
 */
class SimulatorGoldenTest {
    /** scenario file -> {SHA-256 of its fleet text, SHA-256 of its fleet without speed}. */
    private static final Map<String, String[]> GOLDEN = Map.ofEntries(
            Map.entry("global-outage.yaml", new String[] {"e8d9aac1bdc1024576db61ac6d79ad689a361e510b7580108b8058c3cdef4eba",
                    "61080008b293d4b49f33b0f38781d1b856550873ed6f7c54972da6563c48f0dc"}),
            Map.entry("isp-only-block.yaml", new String[] {"5555c7c68d30e15b2d9c4cf072afe99b5c21f115b95bfb79805246633127ad65",
                    "f3a392e501b39b7bdefb5f708e8e431b3d67f6a9aad763ecd12a3f38c1f4a623"}),
            Map.entry("method-change.yaml", new String[] {"b8df1de438019d97089f9bc1ecb61f312d9cfebfe61159091013b7011ed1a25b",
                    "aaa554c7317fe8b6138de9c222863326f5a8d4c322132b8f913612c1e33b7a00"}),
            Map.entry("mobile-curfew.yaml", new String[] {"e9d433884dd173c9d77c9ac38bc4502bf8e6cc83fba6b76ece8468eb0eb3cad2",
                    "8d2df1348c0cb3b5f44cfc42ae5f303eb3b061162e0bee9f79d1001cc36459d3"}),
            Map.entry("nationwide-blackout.yaml", new String[] {"998a469baef228f13df164cd0b7911101aadce698b7f97d658256529e7ae74bf",
                    "f4d0c464a3ef3182e5546af9cf2bf97a7388ec86550c4df78546e6fc3c94776a"}),
            Map.entry("noisy-no-disruption.yaml", new String[] {"dcc7be0032e8497303a5278f5d0de89b972d45a0c1ff824ff06d43b443eafaed",
                    "b5c15f9d0258ab9a3ec421791fd770397056b5362ce13a23cbf09f9bff5fb06c"}),
            Map.entry("pakistan-2024.yaml", new String[] {"0ffa707e24369aede6107d8419ea727415abce1090f0d9437d9319a507f9c12c",
                    "932f7c93c365cfcde1affac1fbb15adbf9f2500cf48241dd460900607fcce671"}),
            Map.entry("partial-30pct.yaml", new String[] {"efa891a53282df1e93b0ffd092b5386c4255d3621cab206a1016bdf632e2cc6d",
                    "227ea54974295bc6df3224f6aa5202b646f91330b3ec283d463180f37a37027e"}),
            Map.entry("quiet-week.yaml", new String[] {"9c292d63af1595f76f701c0f992fe5690c78d351fb3e6cb8896fce99fd7a95b3",
                    "a788c1a0e65c6dbdf2ecf58913b882a0bcaaa83d0649062a320c618cd3c57fd2"}),
            Map.entry("shutdown.yaml", new String[] {"7a19d589251c621a44501d40cab97ca96c7cb4c1786c0915499ee076d0fe2fca",
                    "02da0c44a2ca37648c778ef87ee4a4d2599fa66b76b70c2c6e516f135fe836e5"}));

    @Test
    void existingScenariosSimulateExactlyAsBeforeSpeedApartFromTheSpeedFields() throws IOException {
        Map<String, String> mismatches = new TreeMap<>();
        for (Map.Entry<String, String[]> e : GOLDEN.entrySet()) {
            Path file = ScenarioTest.repoRoot().resolve("scenarios").resolve(e.getKey());
            String fileHash = sha256(fleetText(file));
            String fleetHash = fingerprint(Scenario.read(file));
            if (!fileHash.equals(e.getValue()[0])) {
                mismatches.put(e.getKey(), "the scenario's fleet text changed since its fingerprint was taken: recompute it "
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
                        sha256(fleetText(f)), fingerprint(Scenario.read(f)));
            }
        }
    }

    /** The file without comment lines and without its {@code expect:} block (that line and the indented ones after it). */
    static byte[] fleetText(Path file) throws IOException {
        StringBuilder b = new StringBuilder();
        boolean inExpect = false;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            inExpect = line.startsWith("expect:") || (inExpect && line.startsWith(" "));
            if (!inExpect && !line.stripLeading().startsWith("#")) {
                b.append(line).append('\n');
            }
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
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
