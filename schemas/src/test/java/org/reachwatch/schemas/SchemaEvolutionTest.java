package org.reachwatch.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.IncidentSummary;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.ServiceOutageEvent;

/**
 * Every released version of each top-level schema is kept in {@code src/main/avro-history/<full
 * name>/v<N>.avsc}; the current schema must read data written with every one of them
 * (BACKWARD_TRANSITIVE), or the build fails. To release a changed schema, add its next vN.avsc.
 */
class SchemaEvolutionTest {
    private static final Path HISTORY = Path.of("src/main/avro-history");

    static Stream<Schema> currentSchemas() {
        return Stream.of(ProbeMeasurement.getClassSchema(), ProbeHeartbeat.getClassSchema(),
                AvailabilityWindow.getClassSchema(), DisruptionEvent.getClassSchema(), IncidentSummary.getClassSchema(),
                ServiceOutageEvent.getClassSchema());
    }

    @ParameterizedTest
    @MethodSource("currentSchemas")
    void currentSchemaReadsEveryReleasedVersion(Schema current) throws IOException {
        List<Path> released = releasedVersions(current.getFullName());
        assertThat(released).as("released versions of %s in %s", current.getFullName(), HISTORY).isNotEmpty();
        for (Path version : released) {
            Schema old = new Schema.Parser().parse(version.toFile());
            assertThat(incompatibilities(current, old))
                    .as("%s must read data written with %s", current.getFullName(), version)
                    .isEmpty();
        }
    }

    @Test
    void checkRejectsAFieldAddedWithoutDefault() throws IOException {
        Schema old = new Schema.Parser().parse(releasedVersions("org.reachwatch.avro.ProbeMeasurement").get(0).toFile());
        String broken = ProbeMeasurement.getClassSchema().toString()
                .replace("{\"name\":\"probeId\"", "{\"name\":\"mandatoryNewField\",\"type\":\"string\"},{\"name\":\"probeId\"");
        Schema withMandatoryField = new Schema.Parser().parse(broken);

        assertThat(incompatibilities(withMandatoryField, old)).isNotEmpty();
    }

    @Test
    void checkRejectsAnEnumSymbolRemovedWithoutDefault() throws IOException {
        Schema old = new Schema.Parser().parse(
                "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}");
        Schema narrowed = new Schema.Parser().parse("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}");

        assertThat(incompatibilities(narrowed, old)).isNotEmpty();
    }

    private static String incompatibilities(Schema reader, Schema writer) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
        return result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE ? "" : result.getIncompatibilities().toString();
    }

    private static List<Path> releasedVersions(String fullName) throws IOException {
        Path dir = HISTORY.resolve(fullName);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("v\\d+\\.avsc"))
                    .sorted((a, b) -> Integer.compare(versionOf(a), versionOf(b)))
                    .toList();
        }
    }

    private static int versionOf(Path path) {
        String name = path.getFileName().toString();
        return Integer.parseInt(name.substring(1, name.length() - ".avsc".length()));
    }
}
