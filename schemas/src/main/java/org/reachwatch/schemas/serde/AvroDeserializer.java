package org.reachwatch.schemas.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.reachwatch.schemas.registry.SchemaRegistryClient;
import org.reachwatch.schemas.registry.SchemaRegistryClients;
import org.reachwatch.schemas.registry.SchemaRegistryException;
import org.reachwatch.schemas.registry.SchemaRegistryUnavailableException;

/**
 * Reads Confluent wire format: fetches the writer's schema by id (once per id), then resolves it
 * against the reader's schema, so a consumer with a newer schema reads records written with an
 * older one. With a reader class (or {@code specific.avro.reader=true}) it returns generated
 * SpecificRecords, otherwise GenericRecords. Null or empty input gives null.
 *
 * <h2>Failures: bad data versus a registry that did not answer</h2>
 * (Each {@link InvalidRecordException}'s message contains its reason's phrase.)
 * {@link #deserialize} fails in exactly two ways, and callers must treat them differently:
 * <ul>
 *   <li>{@link InvalidRecordException} (a {@link SerializationException}): the record is bad and
 *       always will be: too short for the header, an unknown magic byte, a schema id the registry
 *       answered it does not know (40403), a writer schema that does not parse or cannot be read
 *       as the reader's, a truncated or corrupt Avro body. Dead-letter it with
 *       {@link InvalidRecordException#reason()}.</li>
 *   <li>{@link SchemaRegistryUnavailableException}: the writer's schema could not be fetched
 *       (registry unreachable, timed out, 5xx, or any answer other than "not found", after the
 *       client's retries). The record was <em>not</em> judged: do not dead-letter it, do not move
 *       past it; retry later. Nothing is cached for a failed id, so the next call asks again.</li>
 * </ul>
 */
public class AvroDeserializer<T> implements Deserializer<T> {
    private SchemaRegistryClient registry;
    private Schema readerSchema;
    private boolean specific;
    private final Map<Integer, DatumReader<Object>> readers = new ConcurrentHashMap<>();

    /** For configuration by Kafka through {@link #configure}: GenericRecords unless {@code specific.avro.reader}. */
    public AvroDeserializer() {
    }

    /** Reads into the generated class {@code type}, resolving every writer schema against its schema. */
    public AvroDeserializer(SchemaRegistryClient registry, Class<? extends SpecificRecord> type) {
        this.registry = registry;
        if (type != null) {
            this.readerSchema = SpecificData.get().getSchema(type);
            this.specific = true;
        }
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        if (registry == null) {
            config.registryUrl(); // a missing URL is a ConfigException naming the setting
            registry = SchemaRegistryClients.forConfig(configs);
        }
        if (readerSchema == null) {
            specific = config.flag(AvroSerdeConfig.SPECIFIC_AVRO_READER, false);
        }
    }

    /**
     * @throws InvalidRecordException             the bytes can never be read (permanent)
     * @throws SchemaRegistryUnavailableException the writer's schema could not be fetched now (transient)
     * @throws IllegalStateException              the deserializer was never configured with a registry
     */
    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(String topic, byte[] data) {
        if (data == null || data.length == 0) {
            return null;
        }
        if (registry == null) {
            throw new IllegalStateException("Avro deserializer for topic " + topic + " is not configured: no schema registry");
        }
        if (data.length < WireFormat.HEADER_SIZE) {
            throw new InvalidRecordException(InvalidRecordException.Reason.TRUNCATED_HEADER, "cannot deserialize record from topic "
                    + topic + ": truncated header: payload of " + data.length + " bytes, shorter than the 5-byte header");
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        byte magic = buffer.get();
        if (magic != WireFormat.MAGIC_BYTE) {
            throw new InvalidRecordException(InvalidRecordException.Reason.UNKNOWN_MAGIC_BYTE, "cannot deserialize record from topic "
                    + topic + ": unknown magic byte " + magic + " (expected 0: not Confluent Avro wire format)");
        }
        int id = buffer.getInt();
        DatumReader<Object> reader = reader(topic, id);
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER_SIZE,
                    data.length - WireFormat.HEADER_SIZE, null);
            return (T) reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new InvalidRecordException(InvalidRecordException.Reason.CORRUPT_PAYLOAD, "cannot deserialize record with schema id "
                    + id + " from topic " + topic + ": truncated or corrupt Avro payload (" + e + ")", e);
        }
    }

    private DatumReader<Object> reader(String topic, int id) {
        DatumReader<Object> cached = readers.get(id);
        if (cached != null) {
            return cached;
        }
        Schema writer;
        try {
            writer = registry.byId(id);
        } catch (SchemaRegistryException e) {
            String where = "cannot deserialize record from topic " + topic + ": ";
            if (e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND && !(e instanceof SchemaRegistryUnavailableException)) {
                throw new InvalidRecordException(InvalidRecordException.Reason.UNKNOWN_SCHEMA_ID,
                        where + "unknown schema id " + id + " (" + e.getMessage() + ")", e);
            }
            if (e.errorCode() == SchemaRegistryException.INVALID_SCHEMA && !(e instanceof SchemaRegistryUnavailableException)) {
                throw new InvalidRecordException(InvalidRecordException.Reason.UNREADABLE_WRITER_SCHEMA,
                        where + "unreadable writer schema: schema id " + id + " does not parse (" + e.getMessage() + ")", e);
            }
            // Unreachable, 5xx, or an answer that says nothing about this id (a 401, a 404 from a wrong
            // URL): the record was not judged, so it must not be called bad.
            String what = e.errorCode() == SchemaRegistryException.UNREACHABLE ? "schema registry unreachable"
                    : "schema registry error " + e.errorCode();
            throw new SchemaRegistryUnavailableException(e.errorCode(), where + what + " while fetching schema id " + id
                    + " (" + e.getMessage() + ")", e);
        }
        DatumReader<Object> reader = newReader(topic, id, writer);
        readers.putIfAbsent(id, reader);
        return reader;
    }

    private DatumReader<Object> newReader(String topic, int id, Schema writer) {
        if (!specific) {
            return new GenericDatumReader<>(writer);
        }
        Schema reader = readerSchema != null ? readerSchema : SpecificData.get().getSchema(SpecificData.get().getClass(writer));
        if (reader == null) {
            return new SpecificDatumReader<>(writer, writer);
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            // Not cached: the id's schema will not change, but failing each record costs only this check.
            throw new InvalidRecordException(InvalidRecordException.Reason.INCOMPATIBLE_WRITER_SCHEMA, "cannot deserialize record from topic "
                    + topic + ": incompatible writer schema: schema id " + id + " (" + writer.getFullName() + ") cannot be read as "
                    + reader.getFullName() + ": " + compatibility.getDescription());
        }
        return new SpecificDatumReader<>(writer, reader);
    }
}
