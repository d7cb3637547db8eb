package org.reachwatch.schemas.serde;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.reachwatch.schemas.registry.SchemaRegistryClient;
import org.reachwatch.schemas.registry.SchemaRegistryClients;
import org.reachwatch.schemas.registry.SchemaRegistryException;

/**
 * Writes Avro records (SpecificRecord or GenericRecord) in Confluent's wire format, registering or
 * looking up the writer's schema under the configured subject. After the first record of a schema,
 * no registry call is made. Null serializes to null (a tombstone).
 *
 * <p>Fails with a {@link SerializationException} naming the topic when the registry is unreachable
 * or the schema is incompatible with the subject (HTTP 409), or is not registered and
 * auto-registration is off.
 */
public class AvroSerializer<T> implements Serializer<T> {
    private SchemaRegistryClient registry;
    private boolean isKey;
    private boolean autoRegister = true;
    private boolean useLatestVersion;
    private SubjectNameStrategy strategy = SubjectNameStrategy.TOPIC_NAME;
    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
    private final Map<String, Integer> latestIds = new ConcurrentHashMap<>();
    /** The topic and schema of the last record serialized, with their id and writer (immutable: threads may share this serializer). */
    private volatile Target last;

    private record Target(String topic, Schema schema, int id, DatumWriter<Object> writer) {
    }

    /** For configuration by Kafka through {@link #configure}. */
    public AvroSerializer() {
    }

    /** With an explicit registry client; {@link #configure} may still set the other options. */
    public AvroSerializer(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        if (registry == null) {
            config.registryUrl(); // a missing URL is a ConfigException naming the setting
            registry = SchemaRegistryClients.forConfig(configs);
        }
        this.isKey = isKey;
        this.autoRegister = config.flag(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, true);
        this.useLatestVersion = config.flag(AvroSerdeConfig.USE_LATEST_VERSION, false);
        this.strategy = config.strategy(isKey);
        this.last = null;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (registry == null) {
            throw new SerializationException("Avro serializer for topic " + topic + " is not configured: no schema registry");
        }
        if (!(data instanceof GenericContainer container)) {
            throw new SerializationException("cannot serialize " + data.getClass().getName() + " to topic " + topic
                    + ": not an Avro record");
        }
        Schema schema = container.getSchema();
        Target target = last;
        if (target == null || target.schema != schema || !target.topic.equals(topic)) {
            // A sink writes one schema to one topic: after its first record, this is all the lookup there is.
            int id = schemaId(topic, strategy.subject(topic, isKey, schema), schema);
            target = new Target(topic, schema, id, writer(schema, data));
            last = target;
        }
        OutputBuffer out = BUFFERS.get();
        try {
            out.reset();
            out.write(WireFormat.MAGIC_BYTE);
            out.write(target.id >>> 24);
            out.write(target.id >>> 16);
            out.write(target.id >>> 8);
            out.write(target.id);
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, out.encoder);
            out.encoder = encoder;
            target.writer.write(data, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            out.encoder = null; // an encoder a write failed in may hold part of that record
            throw new SerializationException("cannot serialize " + schema.getFullName() + " to topic " + topic + ": " + e.getMessage(), e);
        }
    }

    private int schemaId(String topic, String subject, Schema schema) {
        try {
            if (useLatestVersion) {
                return latestIds.computeIfAbsent(subject, s -> registry.latest(s).id());
            }
            return autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);
        } catch (SchemaRegistryException e) {
            String what = switch (e.errorCode()) {
                case SchemaRegistryException.INCOMPATIBLE_SCHEMA -> "schema " + schema.getFullName()
                        + " is incompatible with subject " + subject;
                case SchemaRegistryException.UNREACHABLE -> "schema registry unreachable";
                case SchemaRegistryException.SUBJECT_NOT_FOUND, SchemaRegistryException.SCHEMA_NOT_FOUND ->
                        "schema " + schema.getFullName() + " is not registered under subject " + subject
                                + (autoRegister ? "" : " and auto.register.schemas is false");
                default -> "schema registry error " + e.errorCode();
            };
            throw new SerializationException("cannot serialize to topic " + topic + ": " + what + " (" + e.getMessage() + ")", e);
        }
    }

    @SuppressWarnings("unchecked")
    private DatumWriter<Object> writer(Schema schema, Object data) {
        return writers.computeIfAbsent(schema, s -> data instanceof SpecificRecord
                ? (DatumWriter<Object>) (DatumWriter<?>) new SpecificDatumWriter<>(s, SpecificData.getForSchema(s))
                : new GenericDatumWriter<>(s));
    }

    /** Each thread's buffer and encoder, reused from record to record: a record costs one copy, of its own size. */
    private static final ThreadLocal<OutputBuffer> BUFFERS = ThreadLocal.withInitial(OutputBuffer::new);

    /** An unsynchronized growable byte buffer; one larger than {@link #KEPT} after a record is not kept for the next. */
    private static final class OutputBuffer extends OutputStream {
        private static final int INITIAL = 512;
        private static final int KEPT = 1 << 20;
        private byte[] bytes = new byte[INITIAL];
        private int size;
        private BinaryEncoder encoder;

        void reset() {
            if (bytes.length > KEPT) {
                bytes = new byte[INITIAL];
            }
            size = 0;
        }

        @Override
        public void write(int b) {
            if (size == bytes.length) {
                grow(1);
            }
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (len > bytes.length - size) {
                grow(len);
            }
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }

        private void grow(int more) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }
    }
}
