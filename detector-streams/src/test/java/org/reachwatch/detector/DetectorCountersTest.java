package org.reachwatch.detector;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.EventType;

class DetectorCountersTest {
    @Test
    void deadLetterReasonsAsTheDetectorWritesThemMapToFewKinds() {
        assertThat(DetectorCounters.deadLetterKey("measurement does not deserialize: Unknown magic byte!"))
                .isEqualTo("dead-letter.undeserializable");
        assertThat(DetectorCounters.reasonKind("empty heartbeat")).isEqualTo("empty");
        assertThat(DetectorCounters.reasonKind("missing or malformed country 'Pakistan' (need ISO 3166-1 alpha-2)"))
                .isEqualTo("missing-field");
        assertThat(DetectorCounters.reasonKind("time 1999-01-01T00:00:00Z is older than 2000-01-01T00:00:00Z")).isEqualTo("too-old");
        assertThat(DetectorCounters.reasonKind("time 2024-02-18T00:00:00Z is more than PT15M after the broker received the record"))
                .isEqualTo("future");
        assertThat(DetectorCounters.reasonKind("country PK belongs to partition 3 of 6, record is in 1: producers must key"))
                .isEqualTo("mis-keyed");
        assertThat(DetectorCounters.reasonKind("something new")).isEqualTo("invalid");
    }

    @Test
    void eventsAreCountedByType() {
        assertThat(DetectorCounters.eventKey(EventType.REBLOCKED)).isEqualTo("events.REBLOCKED");
    }
}
