package org.reachwatch.producer;

import java.time.Instant;

import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;

/** Test measurements with deterministic ids and times. */
final class Measurements {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");

    private Measurements() {
    }

    /** Measurement number {@code i} of target {@code "t" + (i % targets) + ".example"} in PK, one second apart. */
    static ProbeMeasurement numbered(int i, int targets) {
        return ProbeMeasurement.newBuilder()
                .setMeasurementId(String.format("m-%06d", i))
                .setProbeId("probe-1")
                .setCountry("PK")
                .setAsn("AS17557")
                .setTarget("t" + (i % targets) + ".example")
                .setStartTime(T0.plusSeconds(i))
                .setOutcome(i % 3 == 0 ? MeasurementOutcome.UNREACHABLE : MeasurementOutcome.REACHABLE)
                .setBlockingMethod(i % 3 == 0 ? BlockingMethod.TLS : BlockingMethod.NONE)
                .setTlsFailure(i % 3 == 0 ? "connection_reset" : null)
                .setSource(MeasurementSource.PROBE)
                .build();
    }

    static int number(ProbeMeasurement m) {
        return Integer.parseInt(m.getMeasurementId().substring(2));
    }
}
