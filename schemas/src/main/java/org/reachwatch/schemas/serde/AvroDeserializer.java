package org.reachwatch.schemas.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
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

/**
 * Reads Confluent wire format: fetches the writer's schema by id (once per id), then resolves it
 * against the reader's schema, so a consumer with a newer schema reads records written with an
 * older one. With a reader class (or {@code specific.avro.reader=true}) it returns generated
 * SpecificRecords, otherwise GenericRecords. Null or empty input gives null.
 *
 * <p>Fails with a {@link SerializationException} naming the topic on an unknown magic byte, a
 * payload too short for the header, an unknown schema id, an unreachable registry, and a
 * truncated or corrupt Avro body.
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

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(String topic, byte[] data) {
        if (data == null || data.length == 0) {
            return null;
        }
        if (registry == null) {
            throw new SerializationException("Avro deserializer for topic " + topic + " is not configured: no schema registry");
        }
        if (data.length < WireFormat.HEADER_SIZE) {
            throw new SerializationException("cannot deserialize record from topic " + topic + ": truncated payload of "
                    + data.length + " bytes, shorter than the 5-byte header");
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        byte magic = buffer.get();
        if (magic != WireFormat.MAGIC_BYTE) {
            throw new SerializationException("cannot deserialize record from topic " + topic + ": unknown magic byte "
                    + magic + " (expected 0: not Confluent Avro wire format)");
        }
        int id = buffer.getInt();
        DatumReader<Object> reader = reader(topic, id);
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER_SIZE,
                    data.length - WireFormat.HEADER_SIZE, null);
            return (T) reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot deserialize record with schema id " + id + " from topic " + topic
                    + ": truncated or corrupt Avro payload (" + e + ")", e);
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
            String what = e.errorCode() == SchemaRegistryException.UNREACHABLE
                    ? "schema registry unreachable"
                    : e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND ? "unknown schema id " + id
                    : "schema registry error " + e.errorCode() + " for schema id " + id;
            throw new SerializationException("cannot deserialize record from topic " + topic + ": " + what
                    + " (" + e.getMessage() + ")", e);
        }
        DatumReader<Object> reader = newReader(writer);
        readers.putIfAbsent(id, reader);
        return reader;
    }

    private DatumReader<Object> newReader(Schema writer) {
        if (!specific) {
            return new GenericDatumReader<>(writer);
        }
        Schema reader = readerSchema != null ? readerSchema : SpecificData.get().getSchema(SpecificData.get().getClass(writer));
        return new SpecificDatumReader<>(writer, reader == null ? writer : reader);
    }
}
