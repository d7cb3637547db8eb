package org.reachwatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.IncidentPhase;
import org.reachwatch.avro.IncidentState;
import org.reachwatch.avro.IncidentSummary;
import org.reachwatch.avro.NetworkStatus;

/** The incident JSON the dashboard draws from, for a block followed by a throttle (one story, one incident). */
class IncidentJsonTest {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");
    static final String ID = "PK-x.com-20240217T2100Z";

    @Test
    void aThrottledIncidentNamesItsThrottlingNetworksAndCarriesTheSpeedsOfItsEvents() {
        NetworkStatus mobile = NetworkStatus.newBuilder().setAsn("AS17557").setThrottled(true).setThroughputBytesPerSecond(20_000.0)
                .setAvailability(0.97).build();
        NetworkStatus fixed = NetworkStatus.newBuilder().setAsn("AS59257").setThrottled(false).setThroughputBytesPerSecond(2.4e6)
                .setAvailability(0.98).build();
        NetworkStatus blocked = NetworkStatus.newBuilder().setAsn("AS24499").setBlocked(true).setAvailability(0.02).build();
        List<DisruptionEvent> events = new ArrayList<>();
        events.add(event(EventType.DISRUPTION_STARTED, 60).build());
        events.add(event(EventType.THROTTLING_STARTED, 240).setMethods(List.of(BlockingMethod.THROTTLING))
                .setThroughputBytesPerSecond(20_000.0).setExpectedThroughputBytesPerSecond(2e6)
                .setNetworks(List.of(mobile, fixed, blocked)).build());
        IncidentSummary summary = IncidentSummary.newBuilder().setIncidentId(ID).setCountry("PK").setTarget("x.com")
                .setState(IncidentState.THROTTLED).setCause(DisruptionCause.CENSORSHIP).setStartedAt(min(60)).setLastChangeAt(min(240))
                .setMethods(List.of(BlockingMethod.TLS, BlockingMethod.THROTTLING))
                .setPhases(List.of(
                        IncidentPhase.newBuilder().setState(IncidentState.BLOCKED).setFrom(min(60)).setTo(min(240)).build(),
                        IncidentPhase.newBuilder().setState(IncidentState.THROTTLED).setFrom(min(240)).build()))
                .build();

        ObjectNode json = ApiServer.incidentJson(new OutputReadModel.IncidentView(summary, events), true);

        assertThat(json.path("state").asText()).isEqualTo("THROTTLED");
        assertThat(json.path("open").asBoolean()).isTrue();
        assertThat(texts(json.path("throttledNetworks"))).containsExactly("AS17557");
        assertThat(texts(json.path("blockedNetworks"))).containsExactly("AS24499");
        assertThat(texts(json.path("methods"))).containsExactly("TLS", "THROTTLING");
        assertThat(json.path("phases").get(1).path("state").asText()).isEqualTo("THROTTLED");
        assertThat(json.path("phases").get(1).path("to").isNull()).isTrue();
        JsonNode throttling = json.path("events").get(1);
        assertThat(throttling.path("type").asText()).isEqualTo("THROTTLING_STARTED");
        assertThat(throttling.path("throughputBytesPerSecond").asDouble()).isEqualTo(20_000.0);
        assertThat(throttling.path("expectedThroughputBytesPerSecond").asDouble()).isEqualTo(2e6);
        assertThat(throttling.path("networks").get(0).path("throttled").asBoolean()).isTrue();
        assertThat(throttling.path("networks").get(0).path("throughputBytesPerSecond").asDouble()).isEqualTo(20_000.0);
        assertThat(json.path("lastEvent").path("type").asText()).isEqualTo("THROTTLING_STARTED");
    }

    @Test
    void anIncidentWithoutThrottlingHasAnEmptyThrottledNetworksList() {
        IncidentSummary summary = IncidentSummary.newBuilder().setIncidentId(ID).setCountry("PK").setTarget("x.com")
                .setState(IncidentState.BLOCKED).setCause(DisruptionCause.CENSORSHIP).setStartedAt(min(60)).setLastChangeAt(min(60))
                .setNetworks(List.of(NetworkStatus.newBuilder().setAsn("AS24499").setBlocked(true).build()))
                .build();

        ObjectNode json = ApiServer.incidentJson(new OutputReadModel.IncidentView(summary, List.of()), false);

        assertThat(json.path("throttledNetworks").isArray()).isTrue();
        assertThat(json.path("throttledNetworks")).isEmpty();
        assertThat(texts(json.path("blockedNetworks"))).containsExactly("AS24499");
        assertThat(json.has("events")).isFalse();
    }

    private static DisruptionEvent.Builder event(EventType type, int minutes) {
        return DisruptionEvent.newBuilder().setEventId(ID + "/" + type).setIncidentId(ID).setType(type).setCountry("PK")
                .setTarget("x.com").setAt(min(minutes)).setDetectedAt(min(minutes + 10)).setCause(DisruptionCause.CENSORSHIP);
    }

    private static Instant min(int minutes) {
        return T0.plus(Duration.ofMinutes(minutes));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
