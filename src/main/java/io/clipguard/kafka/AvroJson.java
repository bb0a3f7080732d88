package io.clipguard.kafka;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

/**
 * Avro records as plain JSON-ready maps for people and HTTP clients: unions unwrapped,
 * enums and timestamps as strings, bytes as base64. (Avro's own JSON encoding wraps
 * unions in type names, which suits machines, not dashboards.)
 */
public final class AvroJson {
    private AvroJson() {
    }

    public static Map<String, Object> toMap(IndexedRecord record) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Schema.Field f : record.getSchema().getFields()) {
            out.put(f.name(), value(record.get(f.pos())));
        }
        return out;
    }

    private static Object value(Object v) {
        if (v instanceof IndexedRecord r) {
            return toMap(r);
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(x -> out.add(value(x)));
            return out;
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, x) -> out.put(String.valueOf(k), value(x)));
            return out;
        }
        if (v instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            return Base64.getEncoder().encodeToString(bytes);
        }
        if (v instanceof Instant || v instanceof GenericEnumSymbol<?> || v instanceof Enum<?> || v instanceof CharSequence) {
            return v.toString();
        }
        return v;
    }
}
