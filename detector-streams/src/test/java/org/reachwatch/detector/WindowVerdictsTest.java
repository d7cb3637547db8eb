package org.reachwatch.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.reachwatch.detector.lifecycle.ServiceOutageJudge.CountryVerdict;

class WindowVerdictsTest {
    private static final WindowVerdicts SAMPLE = new WindowVerdicts(4, 6, 1_709_650_800_000L, 1_709_651_220_000L, true, List.of(
            new CountryVerdict("DE", "facebook.com", "DE-facebook.com-20240305T1500Z", 1_709_650_800_000L, true, true, null),
            new CountryVerdict("IN", "facebook.com", null, 1_709_650_800_000L, true, false, null),
            new CountryVerdict("BR", "ñandú.example", "BR-ñandú.example-x", 1_709_640_000_000L, false, false, 1_709_649_000_000L)));

    @Test
    void whatIsEncodedDecodesToTheSameRecord() {
        assertThat(WindowVerdicts.decode(SAMPLE.encode())).isEqualTo(SAMPLE);
        WindowVerdicts empty = new WindowVerdicts(0, 1, 0L, Long.MIN_VALUE, false, List.of());
        assertThat(WindowVerdicts.decode(empty.encode())).isEqualTo(empty);
    }

    @Test
    void aBatchDecodesToItsWindowsInOrderAndOneWindowStaysInTheSingleFormat() {
        WindowVerdicts next = new WindowVerdicts(4, 6, 1_709_651_100_000L, 1_709_651_220_000L, false, List.of());
        byte[] batch = WindowVerdicts.batch(List.of(SAMPLE.encode(), next.encode()));
        assertThat(batch[0]).isEqualTo(WindowVerdicts.BATCH);
        assertThat(WindowVerdicts.decodeAll(batch)).containsExactly(SAMPLE, next);

        byte[] one = WindowVerdicts.batch(List.of(SAMPLE.encode()));
        assertThat(one).isEqualTo(SAMPLE.encode());
        assertThat(WindowVerdicts.decodeAll(one)).containsExactly(SAMPLE);
    }

    @Test
    void aDamagedBatchIsRefusedWithTheReason() {
        byte[] batch = WindowVerdicts.batch(List.of(SAMPLE.encode(), SAMPLE.encode()));
        assertThatThrownBy(() -> WindowVerdicts.decodeAll(Arrays.copyOf(batch, batch.length - 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window 2 of 2 is truncated");
        assertThatThrownBy(() -> WindowVerdicts.decodeAll(Arrays.copyOf(batch, batch.length + 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 bytes after the last window");
        assertThatThrownBy(() -> WindowVerdicts.decodeAll(Arrays.copyOf(batch, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated batch");
        byte[] inner = Arrays.copyOf(batch, batch.length);
        inner[9] = 9; // the first window's format version
        assertThatThrownBy(() -> WindowVerdicts.decodeAll(inner)).hasMessageContaining("unknown format version 9");
        assertThatThrownBy(() -> WindowVerdicts.batch(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anythingElseIsRefusedWithTheReason() {
        byte[] bytes = SAMPLE.encode();
        assertThatThrownBy(() -> WindowVerdicts.decode(Arrays.copyOf(bytes, bytes.length - 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> WindowVerdicts.decode(Arrays.copyOf(bytes, bytes.length + 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 bytes after the last verdict");
        assertThatThrownBy(() -> WindowVerdicts.decode(new byte[0])).hasMessageContaining("empty");
        assertThatThrownBy(() -> WindowVerdicts.decode("{\"json\":1}".getBytes())).hasMessageContaining("unknown format version");
    }
}
