package org.reachwatch.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

class OoniFieldsTest {
    private static final DateTimeFormatter RAW = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private static final DateTimeFormatter OBS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssXXX", Locale.ROOT);

    /** What java.time's formatters make of a start time (the reference the quick path must agree with), or null. */
    private static Instant reference(String text) {
        try {
            return text.length() > 19 ? OffsetDateTime.parse(text, OBS).toInstant() : LocalDateTime.parse(text, RAW).toInstant(ZoneOffset.UTC);
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Test
    void startTimesAgreeWithJavaTimeIncludingTheOddOnes() {
        List<String> texts = List.of("2024-02-17 20:00:00", "2023-11-01 00:18:03+00:00", "2024-02-29 23:59:59",
                "1999-12-31 23:59:59", "0001-01-01 00:00:00", "2023-11-01 00:18:03+05:30", "2023-11-01 00:18:03-00:00",
                "2024-02-30 00:00:00", "2023-02-29 12:00:00", "2024-13-01 00:00:00", "2024-00-10 00:00:00",
                "2024-01-01 24:00:00", "2024-01-01 23:60:00", "2024-01-01 23:59:60", "0000-01-01 00:00:00",
                "2024-01-01T00:00:00", "2024-1-01 00:00:00", "2024-01-01 00:00:0x", "2024/01/01 00:00:00",
                "2024-01-01 00:00:00Z", "+2024-01-01 00:00:0", "2024-01-01 00:00:00+00:00x");
        for (String t : texts) {
            Instant expected = reference(t);
            if (expected == null) {
                assertThatThrownBy(() -> OoniFields.startTime(t)).as(t).isInstanceOf(RejectedRecordException.class)
                        .hasMessage("bad measurement_start_time '" + t + "'");
            } else {
                assertThat(OoniFields.startTime(t)).as(t).isEqualTo(expected);
            }
        }
        assertThat(OoniFields.startTime("2024-02-17 20:00:00")).isEqualTo(Instant.parse("2024-02-17T20:00:00Z"));
    }
}
