package org.reachwatch.detector;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;

/** Deterministic synthetic fleets for detector tests. */
final class Measurements {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");

    /** Decides, per (probe index, network, time), whether a measurement of a target is blocked. */
    interface Censor {
        BlockingMethod block(String country, String asn, String target, int probe, Instant at);
    }

    static final Censor NONE = (country, asn, target, probe, at) -> null;

    private Measurements() {
    }

    static ProbeMeasurement measurement(String id, String country, String asn, String target, boolean control, String probe,
                                        Instant at, BlockingMethod blockedBy) {
        return ProbeMeasurement.newBuilder()
                .setMeasurementId(id).setProbeId(probe).setCountry(country).setAsn(asn).setTarget(target)
                .setControl(control).setStartTime(at).setSource(MeasurementSource.SIMULATOR)
                .setOutcome(blockedBy == null ? MeasurementOutcome.REACHABLE : MeasurementOutcome.UNREACHABLE)
                .setBlockingMethod(blockedBy == null ? BlockingMethod.NONE : blockedBy)
                .build();
    }

    /**
     * Every probe of every network measures every target once a minute from {@code from} to {@code to}
     * (exclusive), in time order; {@code alive} can silence a country.
     */
    static List<ProbeMeasurement> fleet(String country, List<String> asns, int probesPerNetwork, List<String> targets,
                                        String control, Instant from, Instant to, Censor censor, Predicate<Instant> alive) {
        List<ProbeMeasurement> out = new ArrayList<>();
        for (Instant t = from; t.isBefore(to); t = t.plus(Duration.ofMinutes(1))) {
            if (!alive.test(t)) {
                continue;
            }
            for (String asn : asns) {
                for (int p = 0; p < probesPerNetwork; p++) {
                    String probe = country + "-" + asn + "-p" + p;
                    for (String target : targets) {
                        out.add(measurement(probe + "-" + target + "-" + t.toEpochMilli(), country, asn, target, false, probe, t,
                                censor.block(country, asn, target, p, t)));
                    }
                    if (control != null) {
                        out.add(measurement(probe + "-" + control + "-" + t.toEpochMilli(), country, asn, control, true, probe, t, null));
                    }
                }
            }
        }
        return out;
    }
}
