package org.reachwatch.schemas.json;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The plain JSON view of reachwatch's Avro records: one JSON object per record, field names as in
 * the schema, {@code timestamp-millis} as ISO-8601 UTC strings ({@code "2024-02-17T20:05:00Z"}),
 * enums as their symbol, nullable fields as the value or {@code null} (no Avro union wrappers).
 * This is the "native" line format of {@code replay}, {@code simulate} and {@code probe --print},
 * and the event contract of {@code replay --events-out}.
 *
 * <p>Reading fills absent fields with their schema default; it fails with an
 * {@link IllegalArgumentException} naming the field when a required field is missing or a value
 * has the wrong type. An unknown enum symbol reads as the enum's default symbol.
 */
public final class AvroJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AvroJson() {
    }

    /** One-line JSON text of {@code record}. */
    public static String toJsonLine(IndexedRecord record) {
        try {
            return MAPPER.writeValueAsString(toJson(record));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON for " + record.getSchema().getFullName(), e);
        }
    }

    public static ObjectNode toJson(IndexedRecord record) {
        return (ObjectNode) write(record.getSchema(), record);
    }

    /** Parses one JSON line into the generated class {@code type}. */
    public static <T extends SpecificRecord> T fromJsonLine(String line, Class<T> type) {
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        return fromJson(node, type);
    }

    public static <T extends SpecificRecord> T fromJson(JsonNode node, Class<T> type) {
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        return type.cast(read(model, schema, node, schema.getName()));
    }

    private static JsonNode write(Schema schema, Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        return switch (schema.getType()) {
            case UNION -> write(branch(schema), value);
            case RECORD -> {
                IndexedRecord record = (IndexedRecord) value;
                ObjectNode object = NODES.objectNode();
                for (Schema.Field field : schema.getFields()) {
                    object.set(field.name(), write(field.schema(), record.get(field.pos())));
                }
                yield object;
            }
            case ENUM -> NODES.textNode(value.toString());
            case ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (Object item : (Iterable<?>) value) {
                    array.add(write(schema.getElementType(), item));
                }
                yield array;
            }
            case MAP -> {
                ObjectNode object = NODES.objectNode();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                    object.set(e.getKey().toString(), write(schema.getValueType(), e.getValue()));
                }
                yield object;
            }
            case LONG -> isTimestamp(schema)
                    ? NODES.textNode((value instanceof Instant i ? i : Instant.ofEpochMilli((Long) value)).toString())
                    : NODES.numberNode(((Number) value).longValue());
            case INT -> NODES.numberNode(((Number) value).intValue());
            case DOUBLE, FLOAT -> NODES.numberNode(((Number) value).doubleValue());
            case BOOLEAN -> NODES.booleanNode((Boolean) value);
            case STRING -> NODES.textNode(value.toString());
            default -> throw new IllegalArgumentException("type " + schema.getType() + " has no JSON view");
        };
    }

    private static Object read(SpecificData model, Schema schema, JsonNode node, String path) {
        if (schema.getType() == Schema.Type.UNION) {
            if (node == null || node.isNull()) {
                if (schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL)) {
                    return null;
                }
                throw new IllegalArgumentException(path + " must not be null");
            }
            return read(model, branch(schema), node, path);
        }
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException(path + " is required");
        }
        switch (schema.getType()) {
            case RECORD -> {
                if (!node.isObject()) {
                    throw new IllegalArgumentException(path + " must be an object");
                }
                Object record = model.newRecord(null, schema);
                for (Schema.Field field : schema.getFields()) {
                    JsonNode child = node.get(field.name());
                    Object value = child == null && field.hasDefaultValue()
                            ? model.deepCopy(field.schema(), model.getDefaultValue(field))
                            : read(model, field.schema(), child, path + "." + field.name());
                    model.setField(record, field.name(), field.pos(), value);
                }
                return record;
            }
            case ENUM -> {
                String symbol = node.asText();
                if (!schema.hasEnumSymbol(symbol)) {
                    if (schema.getEnumDefault() == null) {
                        throw new IllegalArgumentException(path + ": unknown symbol " + symbol + " of " + schema.getName());
                    }
                    symbol = schema.getEnumDefault();
                }
                return model.createEnum(symbol, schema);
            }
            case ARRAY -> {
                if (!node.isArray()) {
                    throw new IllegalArgumentException(path + " must be an array");
                }
                List<Object> list = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    list.add(read(model, schema.getElementType(), node.get(i), path + "[" + i + "]"));
                }
                return list;
            }
            case MAP -> {
                if (!node.isObject()) {
                    throw new IllegalArgumentException(path + " must be an object");
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    map.put(e.getKey(), read(model, schema.getValueType(), e.getValue(), path + "." + e.getKey()));
                }
                return map;
            }
            case LONG -> {
                if (isTimestamp(schema)) {
                    return readInstant(node, path);
                }
                requireNumber(node, path, true);
                return node.asLong();
            }
            case INT -> {
                requireNumber(node, path, true);
                return node.asInt();
            }
            case DOUBLE -> {
                requireNumber(node, path, false);
                return node.asDouble();
            }
            case FLOAT -> {
                requireNumber(node, path, false);
                return (float) node.asDouble();
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    throw new IllegalArgumentException(path + " must be true or false");
                }
                return node.asBoolean();
            }
            case STRING -> {
                if (!node.isValueNode()) {
                    throw new IllegalArgumentException(path + " must be a string");
                }
                return node.asText();
            }
            default -> throw new IllegalArgumentException(path + ": type " + schema.getType() + " has no JSON view");
        }
    }

    private static Instant readInstant(JsonNode node, String path) {
        if (node.isNumber()) {
            return Instant.ofEpochMilli(node.asLong());
        }
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(path + " must be an ISO-8601 UTC time like 2024-02-17T20:05:00Z, got "
                    + node.asText());
        }
    }

    private static void requireNumber(JsonNode node, String path, boolean integral) {
        if (!node.isNumber() || integral && !node.canConvertToLong()) {
            throw new IllegalArgumentException(path + " must be " + (integral ? "an integer" : "a number"));
        }
    }

    private static boolean isTimestamp(Schema schema) {
        return schema.getLogicalType() instanceof LogicalTypes.TimestampMillis;
    }

    /** The non-null branch of a {@code ["null", X]} union; reachwatch's schemas use no other unions. */
    private static Schema branch(Schema union) {
        for (Schema s : union.getTypes()) {
            if (s.getType() != Schema.Type.NULL) {
                return s;
            }
        }
        return union.getTypes().get(0);
    }

}
