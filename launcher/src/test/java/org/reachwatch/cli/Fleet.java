package org.reachwatch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.json.AvroJson;

/**
 * A small deterministic fleet for pipeline tests: four networks of five probes in PK measure x.com
 * and a control once a minute for three hours; x.com is blocked (TLS) everywhere from
 * {@link #BLOCK} to {@link #UNBLOCK}.
 */
final class Fleet {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");
    static final Instant BLOCK = T0.plus(Duration.ofMinutes(60));
    static final Instant UNBLOCK = T0.plus(Duration.ofMinutes(150));
    static final Instant END = T0.plus(Duration.ofMinutes(180));
    private static final List<String> NETWORKS = List.of("AS17557", "AS24499", "AS59257", "AS45595");

    private Fleet() {
    }

    /** The measurements in time order. */
    static List<ProbeMeasurement> measurements() {
        List<ProbeMeasurement> out = new ArrayList<>();
        for (Instant t = T0; t.isBefore(END); t = t.plus(Duration.ofMinutes(1))) {
            boolean blocked = !t.isBefore(BLOCK) && t.isBefore(UNBLOCK);
            for (String asn : NETWORKS) {
                for (int p = 0; p < 5; p++) {
                    String probe = "PK-" + asn + "-p" + p;
                    out.add(measurement(probe, asn, "x.com", false, t, blocked));
                    out.add(measurement(probe, asn, "example.com", true, t, false));
                }
            }
        }
        return out;
    }

    static Path writeJsonLines(List<ProbeMeasurement> measurements, Path file) throws IOException {
        return Files.write(file, measurements.stream().map(AvroJson::toJsonLine).toList());
    }

    private static ProbeMeasurement measurement(String probe, String asn, String target, boolean control, Instant at, boolean blocked) {
        return ProbeMeasurement.newBuilder()
                .setMeasurementId(probe + "-" + target + "-" + at.toEpochMilli()).setProbeId(probe).setCountry("PK").setAsn(asn)
                .setTarget(target).setControl(control).setStartTime(at).setSource(MeasurementSource.SIMULATOR)
                .setOutcome(blocked ? MeasurementOutcome.UNREACHABLE : MeasurementOutcome.REACHABLE)
                .setBlockingMethod(blocked ? BlockingMethod.TLS : BlockingMethod.NONE)
                .build();
    }
}
