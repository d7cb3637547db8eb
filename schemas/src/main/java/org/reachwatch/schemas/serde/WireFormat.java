package org.reachwatch.schemas.serde;

/** Confluent's wire format: magic byte 0, the schema id as a 4-byte big-endian int, then Avro binary. */
public final class WireFormat {
    public static final byte MAGIC_BYTE = 0x0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }
}
