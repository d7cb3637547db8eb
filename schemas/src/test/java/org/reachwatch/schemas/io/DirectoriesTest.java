package org.reachwatch.schemas.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoriesTest {
    @Test
    void deletesATreeDeepestFirstAndLeavesItsParent(@TempDir Path parent) throws IOException {
        Path dir = parent.resolve("work");
        Files.createDirectories(dir.resolve("a/b/c"));
        Files.writeString(dir.resolve("a/b/c/file.log"), "x");
        Files.writeString(dir.resolve("top.properties"), "y");

        assertThat(Directories.deleteRecursively(dir)).isTrue();

        assertThat(dir).doesNotExist();
        assertThat(parent).isDirectory();
    }

    @Test
    void aDirectoryThatIsNotThereIsAlreadyDeleted(@TempDir Path parent) {
        assertThat(Directories.deleteRecursively(parent.resolve("never-created"))).isTrue();
    }
}
