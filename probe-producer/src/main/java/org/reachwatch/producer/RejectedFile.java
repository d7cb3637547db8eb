package org.reachwatch.producer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.json.AvroJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** On-disk dead letters: measurements Kafka can never take, kept as native JSON lines for an operator. */
final class RejectedFile {
    private static final Logger log = LoggerFactory.getLogger(RejectedFile.class);

    private RejectedFile() {
    }

    static void append(Path dir, ProbeMeasurement m, Throwable cause) {
        try {
            Files.writeString(dir.resolve("rejected.jsonl"), AvroJson.toJsonLine(m) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.error("cannot keep rejected measurement {} ({}); it is lost: {}", m.getMeasurementId(), cause, e.toString());
        }
    }
}
