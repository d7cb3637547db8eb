package org.reachwatch.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.NetworkStatus;
import org.reachwatch.schemas.json.AvroJson;

class AlertFormatTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void jsonBodyIsTheEventsOutLineOfTheEvent() {
        DisruptionEvent event = Events.pakistanOnset();
        String body = AlertFormat.JSON.body(event);
        assertThat(body).isEqualTo(AvroJson.toJsonLine(event));
        assertThat(AvroJson.fromJsonLine(body, DisruptionEvent.class)).isEqualTo(event);
        assertThat(body).contains("\"at\":\"2024-02-17T20:05:00Z\"", "\"asn\":null", "\"type\":\"DISRUPTION_STARTED\"");
    }

    @Test
    void slackTextSaysWhereWhatWhenWhyAndWhichNetworks() throws Exception {
        JsonNode body = MAPPER.readTree(AlertFormat.SLACK.body(Events.pakistanOnset()));
        assertThat(body.size()).isEqualTo(1);
        assertThat(body.get("text").asText()).isEqualTo("PK x.com: DISRUPTION_STARTED at 2024-02-17 20:05 UTC, censorship, "
                + "blocked on AS17557, AS24499; availability 4% (baseline 97%), methods TLS; incident "
                + Events.pakistanOnset().getIncidentId());
    }

    @Test
    void slackTextOfAThrottleNamesTheThrottlingNetworksAndTheSpeeds() {
        DisruptionEvent event = Events.event("RU", "twitter.com", EventType.THROTTLING_STARTED, Events.T0);
        event.setMethods(List.of(BlockingMethod.THROTTLING));
        event.setAvailability(0.98);
        event.setThroughputBytesPerSecond(37_424.1);
        event.setExpectedThroughputBytesPerSecond(1_068_485.2);
        event.setNetworks(List.of(throttled("AS12389", true), throttled("AS8359", true), throttled("AS25513", false)));
        assertThat(AlertFormat.text(event)).isEqualTo("RU twitter.com: THROTTLING_STARTED at 2024-02-17 20:05 UTC, censorship, "
                + "throttled on AS12389, AS8359; availability 98% (baseline 97%), speed 37 kB/s (expected 1,068 kB/s), "
                + "methods THROTTLING; incident " + event.getIncidentId());
    }

    private static NetworkStatus throttled(String asn, boolean throttled) {
        NetworkStatus n = Events.network(asn, false);
        n.setThrottled(throttled);
        return n;
    }

    @Test
    void slackTextOfANetworkOutageNamesDarkNetworksAndTheWholeRegion() {
        DisruptionEvent event = Events.event("IR", "*", EventType.DISRUPTION_STARTED, Events.T0);
        event.setCause(DisruptionCause.NETWORK_OUTAGE);
        event.setAsn("AS197207");
        event.setMethods(List.of());
        event.setAvailability(null);
        assertThat(AlertFormat.text(event)).startsWith("IR AS197207 (all services): DISRUPTION_STARTED at 2024-02-17 20:05 UTC, "
                + "network outage, dark on AS17557, AS24499; incident ");
    }

    @Test
    void slackControlCharactersAreEscapedAndEveryThingElseIsPlainJson() throws Exception {
        DisruptionEvent event = Events.event("PK", "a<b>&c.example", EventType.RESTORED, Events.T0);
        event.setNetworks(List.of());
        String text = MAPPER.readTree(AlertFormat.SLACK.body(event)).get("text").asText();
        assertThat(text).startsWith("PK a&lt;b&gt;&amp;c.example: RESTORED at ").doesNotContain("blocked on");
    }

    @Test
    void formatNamesAreJsonAndSlack() {
        assertThat(AlertFormat.fromCliName("SLACK")).isEqualTo(AlertFormat.SLACK);
        assertThat(AlertFormat.fromCliName("json")).isEqualTo(AlertFormat.JSON);
        assertThatThrownBy(() -> AlertFormat.fromCliName("xml")).hasMessage("unknown webhook format 'xml': use json or slack");
    }
}
