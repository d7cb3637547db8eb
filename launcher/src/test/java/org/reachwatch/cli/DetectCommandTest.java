package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** The static member id that lets a restarted detector take its tasks back at once. */
class DetectCommandTest {
    @Test
    void memberIdIsStableForOneStateDirectoryAndDiffersForAnother() {
        String a = DetectCommand.instanceId("reachwatch-detector", Path.of("state"));
        assertThat(DetectCommand.instanceId("reachwatch-detector", Path.of("./state/../state"))).isEqualTo(a);
        assertThat(DetectCommand.instanceId("reachwatch-detector", Path.of("other-state"))).isNotEqualTo(a);
        assertThat(DetectCommand.instanceId("other-app", Path.of("state"))).isNotEqualTo(a);
    }

    @Test
    void memberIdKeepsToTheCharactersKafkaAccepts() {
        String id = DetectCommand.instanceId("app with spaces/and:colons", Path.of("s"));
        assertThat(id).matches("[a-zA-Z0-9._-]+").startsWith("app_with_spaces_and_colons-").hasSizeLessThanOrEqualTo(249);
    }
}
