package org.reachwatch.schemas.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.NetworkStatus;
import org.reachwatch.avro.ProbeMeasurement;

class AvroJsonTest {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");

    @Test
    void eventJsonHasTheContractFieldsWithIsoTimesAndNullAsn() {
        DisruptionEvent event = DisruptionEvent.newBuilder()
                .setEventId("e1").setIncidentId("i1").setType(EventType.DISRUPTION_STARTED)
                .setCountry("PK").setAsn(null).setTarget("x.com")
                .setAt(T0.plusSeconds(300)).setDetectedAt(T0.plusSeconds(900))
                .setAvailability(0.04).setBaseline(0.97).setCause(DisruptionCause.CENSORSHIP)
                .setMethods(List.of(BlockingMethod.TLS))
                .setNetworks(List.of(NetworkStatus.newBuilder().setAsn("AS17557").setBlocked(true).build()))
                .build();

        String line = AvroJson.toJsonLine(event);

        assertThat(line).contains("\"type\":\"DISRUPTION_STARTED\"", "\"asn\":null", "\"at\":\"2024-02-17T20:05:00Z\"",
                "\"detectedAt\":\"2024-02-17T20:15:00Z\"", "\"availability\":0.04", "\"baseline\":0.97",
                "\"cause\":\"CENSORSHIP\"", "\"methods\":[\"TLS\"]");
        assertThat(AvroJson.fromJsonLine(line, DisruptionEvent.class)).isEqualTo(event);
    }

    @Test
    void absentOptionalFieldsTakeTheirDefaults() {
        ProbeMeasurement m = AvroJson.fromJsonLine("{\"measurementId\":\"m\",\"probeId\":\"p\",\"country\":\"PK\","
                + "\"target\":\"x.com\",\"startTime\":\"2024-02-17T20:00:00Z\",\"outcome\":\"UNREACHABLE\"}", ProbeMeasurement.class);

        assertThat(m.getStartTime()).isEqualTo(T0);
        assertThat(m.getOutcome()).isEqualTo(MeasurementOutcome.UNREACHABLE);
        assertThat(m.getAsn()).isNull();
        assertThat(m.getDnsAnswers()).isEmpty();
        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.UNKNOWN);
    }

    @Test
    void missingRequiredFieldOrBadTimeNamesTheField() {
        assertThatThrownBy(() -> AvroJson.fromJsonLine("{\"measurementId\":\"m\",\"probeId\":\"p\",\"country\":\"PK\","
                + "\"startTime\":\"2024-02-17T20:00:00Z\"}", ProbeMeasurement.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ProbeMeasurement.target is required");
        assertThatThrownBy(() -> AvroJson.fromJsonLine("{\"measurementId\":\"m\",\"probeId\":\"p\",\"country\":\"PK\","
                + "\"target\":\"x.com\",\"startTime\":\"yesterday\"}", ProbeMeasurement.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("startTime must be an ISO-8601");
        assertThatThrownBy(() -> AvroJson.fromJsonLine("{not json", ProbeMeasurement.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON");
    }

    @Test
    void unknownEnumSymbolReadsAsDefault() {
        ProbeMeasurement m = AvroJson.fromJsonLine("{\"measurementId\":\"m\",\"probeId\":\"p\",\"country\":\"PK\","
                + "\"target\":\"x.com\",\"startTime\":0,\"blockingMethod\":\"QUIC\"}", ProbeMeasurement.class);

        assertThat(m.getBlockingMethod()).isEqualTo(BlockingMethod.UNKNOWN);
    }
}
