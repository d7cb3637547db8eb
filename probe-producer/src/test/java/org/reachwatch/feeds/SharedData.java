package org.reachwatch.feeds;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the real third-party data in {@code ../shared/data} next to the project root (the folder
 * holding {@code mvnw}); tests that need it skip when it is absent, as it is for a fresh clone.
 */
public final class SharedData {
    private SharedData() {
    }

    /** The file {@code relative} under shared/data, or an aborted (skipped) test when missing. */
    public static Path require(String relative) {
        Path root = projectRoot();
        Path file = root == null ? null : root.resolve("../shared/data").resolve(relative).normalize();
        assumeTrue(file != null && Files.exists(file),
                "skipped: real OONI data not found at ../shared/data/" + relative
                        + " relative to the project root (see the project README for where to get it)");
        return file;
    }

    private static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        return dir;
    }
}
