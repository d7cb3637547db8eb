package org.reachwatch.registry;

import java.time.Instant;
import java.util.List;

import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.TestKind;

/** Test data: deterministic ProbeMeasurements. */
final class Measurements {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");

    private Measurements() {
    }

    static ProbeMeasurement measurement(int n) {
        return ProbeMeasurement.newBuilder()
                .setMeasurementId("m-" + n).setProbeId("probe-pk-1").setCountry("PK").setAsn("AS17557")
                .setTarget("x.com").setTestKind(TestKind.REACHABILITY).setStartTime(T0.plusSeconds(60L * n))
                .setRuntimeMs(1_700_000_000_123L + n)
                .setOutcome(MeasurementOutcome.UNREACHABLE).setBlockingMethod(BlockingMethod.TLS)
                .setTlsFailure("connection_reset").setDnsAnswers(List.of("104.244.42.1", "104.244.42.65"))
                .setLatencyMs(12.5).setSource(MeasurementSource.PROBE).build();
    }
}
