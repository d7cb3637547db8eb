package org.reachwatch.schemas.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deleting the working directories reachwatch creates (broker logs, Streams state, replay files). */
public final class Directories {
    private Directories() {
    }

    /**
     * Deletes {@code dir} and everything under it, deepest first. Never throws: a working directory
     * that cannot be removed is the caller's to report or ignore.
     *
     * @return true when nothing of {@code dir} is left (also when it did not exist)
     */
    public static boolean deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return true;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
        return !Files.exists(dir);
    }
}
