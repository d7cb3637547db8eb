package org.reachwatch.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.EventType;

class AlertFilterTest {
    @Test
    void emptyFilterAcceptsEverything() {
        AlertFilter all = AlertFilter.parse(List.of(), List.of());
        assertThat(all.accepts(Events.pakistanOnset())).isTrue();
        assertThat(all.describe()).isEqualTo("all events");
    }

    @Test
    void countriesAndTypesMustBothMatch() {
        AlertFilter filter = AlertFilter.parse(List.of("pk,ke"), List.of("DISRUPTION_STARTED", "reblocked"));
        assertThat(filter.accepts(Events.event("PK", "x.com", EventType.DISRUPTION_STARTED, Events.T0))).isTrue();
        assertThat(filter.accepts(Events.event("KE", "telegram", EventType.REBLOCKED, Events.T0))).isTrue();
        assertThat(filter.accepts(Events.event("PK", "x.com", EventType.RESTORED, Events.T0))).isFalse();
        assertThat(filter.accepts(Events.event("IR", "x.com", EventType.DISRUPTION_STARTED, Events.T0))).isFalse();
        assertThat(filter.describe()).isEqualTo("countries KE, PK; types DISRUPTION_STARTED, REBLOCKED");
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> AlertFilter.parse(List.of("Pakistan"), List.of()))
                .hasMessage("--country takes two-letter country codes (PK, KE, ...), got 'Pakistan'");
        assertThatThrownBy(() -> AlertFilter.parse(List.of(), List.of("STARTED")))
                .hasMessageStartingWith("--type takes event types (DISRUPTION_STARTED, PARTIAL_RESTORATION,")
                .hasMessageEndingWith("got 'STARTED'");
        assertThatThrownBy(() -> AlertFilter.parse(List.of(), List.of("UNKNOWN"))).hasMessageEndingWith("got 'UNKNOWN'");
    }
}
