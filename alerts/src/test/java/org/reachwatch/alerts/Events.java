package org.reachwatch.alerts;

import java.time.Instant;
import java.util.List;

import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.NetworkStatus;

/** Disruption events as the detector writes them, at fixed times. */
final class Events {
    static final Instant T0 = Instant.parse("2024-02-17T20:05:00Z");

    private Events() {
    }

    /** The onset of the X block in Pakistan, two networks named. */
    static DisruptionEvent pakistanOnset() {
        return event("PK", "x.com", EventType.DISRUPTION_STARTED, T0);
    }

    /** An event of incident {@code country}/{@code target}, with the detector's id scheme. */
    static DisruptionEvent event(String country, String target, EventType type, Instant at) {
        String incident = country + "|-|" + target + "|" + T0.toEpochMilli();
        return DisruptionEvent.newBuilder()
                .setEventId(incident + "/" + type + "/" + at)
                .setIncidentId(incident)
                .setType(type)
                .setCountry(country)
                .setAsn(null)
                .setTarget(target)
                .setAt(at)
                .setDetectedAt(at.plusSeconds(600))
                .setAvailability(0.04)
                .setBaseline(0.97)
                .setCause(DisruptionCause.CENSORSHIP)
                .setMethods(List.of(BlockingMethod.TLS))
                .setMeasurements(120)
                .setDistinctProbes(24)
                .setConfidence(0.999)
                .setNetworks(List.of(network("AS17557", true), network("AS24499", true), network("AS59257", false)))
                .setSummary(null)
                .build();
    }

    static NetworkStatus network(String asn, boolean blocked) {
        return NetworkStatus.newBuilder().setAsn(asn).setNetworkName(null).setAvailability(blocked ? 0.02 : 0.95)
                .setBaseline(0.97).setMeasurements(40).setBlocked(blocked).setMethods(List.of()).build();
    }
}
