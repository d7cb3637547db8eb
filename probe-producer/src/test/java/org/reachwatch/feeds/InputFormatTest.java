package org.reachwatch.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InputFormatTest {
    @Test
    void cliNamesAreThePublicContractOfReplayFormat() {
        assertThat(InputFormat.fromCliName("ooni")).isEqualTo(InputFormat.OONI);
        assertThat(InputFormat.fromCliName("ooni-obs")).isEqualTo(InputFormat.OONI_OBS);
        assertThat(InputFormat.fromCliName("NATIVE")).isEqualTo(InputFormat.NATIVE);
        assertThat(InputFormat.OONI_OBS).hasToString("ooni-obs");
    }

    @Test
    void unknownNameIsRejectedListingTheValidOnes() {
        assertThatThrownBy(() -> InputFormat.fromCliName("ooni_obs"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ooni, ooni-obs, native");
    }
}
