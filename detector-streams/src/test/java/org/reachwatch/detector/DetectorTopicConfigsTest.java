package org.reachwatch.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.reachwatch.detector.DetectorTopicConfigs.Role;

class DetectorTopicConfigsTest {
    @Test
    void defaultsBoundTheInputsAndWindowsByTimeAndKeepEventsAndIncidents() {
        DetectorTopicConfigs c = DetectorTopicConfigs.defaults();

        assertThat(c.configs(Role.MEASUREMENTS)).containsEntry("retention.ms", "604800000")
                .containsEntry("cleanup.policy", "delete").containsEntry("message.timestamp.type", "LogAppendTime");
        assertThat(c.configs(Role.HEARTBEATS)).containsEntry("retention.ms", "86400000");
        assertThat(c.configs(Role.WINDOWS)).containsEntry("retention.ms", "2592000000");
        assertThat(c.configs(Role.DEAD_LETTER)).containsEntry("retention.ms", "2592000000");
        assertThat(c.configs(Role.EVENTS)).containsEntry("retention.ms", "-1");
        assertThat(c.configs(Role.INCIDENTS)).containsEntry("cleanup.policy", "compact");
        for (Role role : Role.values()) {
            assertThat(c.configs(role)).containsEntry("message.timestamp.type", "LogAppendTime");
            assertThat(c.partitions(role)).isEqualTo(1);
        }
    }

    @Test
    void propertiesOverrideOneRoleAndIgnoreOtherKeys() {
        Properties p = new Properties();
        p.setProperty("topic.measurements.retention.ms", "1209600000");
        p.setProperty("topic.dead-letter.retention.bytes", "1073741824");
        p.setProperty("detector.window.size", "PT5M");

        DetectorTopicConfigs c = DetectorTopicConfigs.from(p);

        assertThat(c.configs(Role.MEASUREMENTS)).containsEntry("retention.ms", "1209600000");
        assertThat(c.configs(Role.LATE)).containsEntry("retention.ms", "604800000");
        assertThat(c.configs(Role.DEAD_LETTER)).containsEntry("retention.bytes", "1073741824");
    }

    @Test
    void unknownRolesSettingsAndBadValuesAreErrors() {
        assertThatThrownBy(() -> DetectorTopicConfigs.from(props("topic.measurement.retention.ms", "1")))
                .hasMessageContaining("unknown topic setting(s) [topic.measurement.retention.ms]");
        assertThatThrownBy(() -> DetectorTopicConfigs.from(props("topic.windows.retention.hours", "1")))
                .hasMessageContaining("topic.windows.retention.hours");
        assertThatThrownBy(() -> DetectorTopicConfigs.from(props("topic.windows.retention.ms", "7d")))
                .hasMessageContaining("must be an integer");
        assertThatThrownBy(() -> DetectorTopicConfigs.from(props("topic.events.message.timestamp.type", "CreateTime")))
                .hasMessageContaining("cannot be changed");
    }

    private static Properties props(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        return p;
    }
}
