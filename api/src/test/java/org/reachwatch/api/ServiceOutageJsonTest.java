package org.reachwatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.ServiceOutageCountry;
import org.reachwatch.avro.ServiceOutageEvent;
import org.reachwatch.avro.ServiceOutageEventType;

/** A service outage's JSON: its state, start and end from its events, and the union of its countries. */
class ServiceOutageJsonTest {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");
    static final String ID = "x.com-20240217T2100Z";

    @Test
    void anEndedOutageIsClosedWithEveryCountryOnceKeepingTheIncidentIdAnEventGaveIt() {
        ServiceOutageEvent started = event(ServiceOutageEventType.SERVICE_OUTAGE_STARTED, 60,
                country("PK", null), country("TR", "TR-x.com-20240217T2055Z"), country("IN", "IN-x.com-20240217T2100Z"));
        ServiceOutageEvent ended = event(ServiceOutageEventType.SERVICE_OUTAGE_ENDED, 330,
                country("BD", null), country("IN", "IN-x.com-20240217T2100Z"), country("PK", "PK-x.com-20240217T2105Z"),
                country("TR", null));

        ObjectNode json = ApiServer.serviceOutageJson(new OutputReadModel.ServiceOutageView(ID, List.of(started, ended)));

        assertThat(json.path("outageId").asText()).isEqualTo(ID);
        assertThat(json.path("target").asText()).isEqualTo("x.com");
        assertThat(json.path("state").asText()).isEqualTo("CLOSED");
        assertThat(json.path("start").asText()).isEqualTo("2024-02-17T21:00:00Z");
        assertThat(json.path("end").asText()).isEqualTo("2024-02-18T01:30:00Z");
        assertThat(pairs(json.path("countries"))).containsExactly("BD=null", "IN=IN-x.com-20240217T2100Z",
                "PK=PK-x.com-20240217T2105Z", "TR=TR-x.com-20240217T2055Z");
        assertThat(json.path("events")).hasSize(2);
        assertThat(json.path("events").get(1).path("type").asText()).isEqualTo("SERVICE_OUTAGE_ENDED");
        assertThat(json.path("events").get(1).path("eventId").asText()).isEqualTo(ID + "/SERVICE_OUTAGE_ENDED/330");
        assertThat(json.path("events").get(0).path("countries").get(0).path("incidentId").isNull()).isTrue();
    }

    @Test
    void aStartedOutageIsOpenWithNoEnd() {
        ObjectNode json = ApiServer.serviceOutageJson(new OutputReadModel.ServiceOutageView(ID, List.of(
                event(ServiceOutageEventType.SERVICE_OUTAGE_STARTED, 60, country("PK", null), country("TR", null)))));

        assertThat(json.path("state").asText()).isEqualTo("OPEN");
        assertThat(json.path("start").asText()).isEqualTo("2024-02-17T21:00:00Z");
        assertThat(json.path("end").isNull()).isTrue();
        assertThat(pairs(json.path("countries"))).containsExactly("PK=null", "TR=null");
    }

    @Test
    void anEventOfATypeThisReaderDoesNotKnowNeitherOpensNorEndsAnOutage() {
        OutputReadModel.ServiceOutageView unknownOnly = new OutputReadModel.ServiceOutageView(ID, List.of(
                event(ServiceOutageEventType.UNKNOWN, 90, country("PK", null))));
        OutputReadModel.ServiceOutageView startedThenUnknown = new OutputReadModel.ServiceOutageView(ID, List.of(
                event(ServiceOutageEventType.SERVICE_OUTAGE_STARTED, 60, country("PK", null)),
                event(ServiceOutageEventType.UNKNOWN, 90, country("PK", null))));

        assertThat(unknownOnly.open()).isFalse();
        assertThat(unknownOnly.start()).isNull();
        assertThat(startedThenUnknown.open()).isTrue();
        assertThat(startedThenUnknown.end()).isNull();
    }

    private static ServiceOutageEvent event(ServiceOutageEventType type, int minutes, ServiceOutageCountry... countries) {
        return ServiceOutageEvent.newBuilder().setEventId(ID + "/" + type + "/" + minutes).setOutageId(ID).setType(type)
                .setTarget("x.com").setAt(min(minutes)).setDetectedAt(min(minutes + 20)).setCountries(List.of(countries)).build();
    }

    private static ServiceOutageCountry country(String country, String incidentId) {
        return ServiceOutageCountry.newBuilder().setCountry(country).setIncidentId(incidentId).build();
    }

    private static Instant min(int minutes) {
        return T0.plus(Duration.ofMinutes(minutes));
    }

    /** {@code country=incidentId} of each element ({@code null} for a JSON null). */
    private static List<String> pairs(JsonNode countries) {
        List<String> out = new ArrayList<>();
        countries.forEach(c -> out.add(c.path("country").asText() + "=" + c.path("incidentId").asText()));
        return out;
    }
}
