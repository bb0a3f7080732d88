package io.clipguard.clip.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small builder for ONNX graphs written with ordinary operators (default domain,
 * opset {@value #OPSET}). Used by the model generators; the production path only reads
 * models, through ONNX Runtime.
 *
 * <p>Field numbers follow {@code onnx.proto} (IR version {@value #IR_VERSION}).
 */
public final class OnnxGraph {
    public static final int OPSET = 17;
    public static final int IR_VERSION = 8;

    /** ONNX {@code TensorProto.DataType} values used here. */
    public static final int FLOAT = 1;
    public static final int INT64 = 7;

    private final String name;
    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<ProtoWriter> initializers = new ArrayList<>();
    private final List<ProtoWriter> inputs = new ArrayList<>();
    private final List<ProtoWriter> outputs = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private String prefix = "";
    private int counter;
    private long parameterCount;

    public OnnxGraph(String name) {
        this.name = name;
    }

    /** Names created after this call start with {@code prefix}; lets two towers share one graph. */
    public OnnxGraph namespace(String prefix) {
        this.prefix = prefix;
        return this;
    }

    /**
     * Declares a graph input. Each dimension is a {@link Number} (fixed) or a
     * {@link String} (symbolic, e.g. {@code "batch"}).
     */
    public String input(String inputName, int elemType, Object... dims) {
        inputs.add(valueInfo(inputName, elemType, dims));
        return inputName;
    }

    /** Exposes {@code value} as the graph output {@code outputName}. */
    public void output(String outputName, String value, int elemType, Object... dims) {
        if (!value.equals(outputName)) {
            node("Identity", List.of(value), List.of(outputName), List.of());
        }
        outputs.add(valueInfo(outputName, elemType, dims));
    }

    /** A float initializer (weights); counted in {@link #parameterCount()}. */
    public String weight(String hint, float[] data, long... dims) {
        parameterCount += data.length;
        return floatConstant(hint, data, dims);
    }

    /** A float initializer that is a fixed constant, not a learned parameter. */
    public String floatConstant(String hint, float[] data, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(data);
        return initializer(hint, FLOAT, raw.array(), dims);
    }

    public String scalar(float value) {
        return floatConstant("scalar", new float[] {value});
    }

    public String int64Constant(String hint, long... values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        return initializer(hint, INT64, raw.array(), values.length);
    }

    /** Adds one node with a single output, returning that output's name. */
    public String op(String opType, List<String> in, Attribute... attributes) {
        String out = fresh(opType);
        node(opType, in, List.of(out), List.of(attributes));
        return out;
    }

    public String op(String opType, String in, Attribute... attributes) {
        return op(opType, List.of(in), attributes);
    }

    public void metadata(String key, String value) {
        metadata.put(key, value);
    }

    /** Learned parameters declared through {@link #weight}. */
    public long parameterCount() {
        return parameterCount;
    }

    public byte[] toModelBytes(String producer) {
        ProtoWriter graph = new ProtoWriter();
        nodes.forEach(n -> graph.message(1, n));
        graph.string(2, name);
        initializers.forEach(t -> graph.message(5, t));
        inputs.forEach(i -> graph.message(11, i));
        outputs.forEach(o -> graph.message(12, o));

        ProtoWriter model = new ProtoWriter()
                .varint(1, IR_VERSION)
                .string(2, producer)
                .string(3, "1")
                .message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, OPSET));
        metadata.forEach((k, v) -> model.message(14, new ProtoWriter().string(1, k).string(2, v)));
        return model.toByteArray();
    }

    public void write(Path file, String producer) throws IOException {
        Files.write(file, toModelBytes(producer));
    }

    private String fresh(String hint) {
        return prefix + hint + "_" + (counter++);
    }

    private String initializer(String hint, int type, byte[] raw, long... dims) {
        String tensorName = fresh(hint);
        initializers.add(new ProtoWriter()
                .packedVarints(1, dims)
                .varint(2, type)
                .string(8, tensorName)
                .bytes(9, raw));
        return tensorName;
    }

    private void node(String opType, List<String> in, List<String> out, List<Attribute> attributes) {
        ProtoWriter node = new ProtoWriter();
        in.forEach(i -> node.string(1, i));
        out.forEach(o -> node.string(2, o));
        node.string(3, prefix + "n" + nodes.size());
        node.string(4, opType);
        attributes.forEach(a -> node.message(5, a.encode()));
        nodes.add(node);
    }

    private static ProtoWriter valueInfo(String valueName, int elemType, Object... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (Object d : dims) {
            ProtoWriter dim = new ProtoWriter();
            if (d instanceof Number n) {
                dim.varint(1, n.longValue());
            } else {
                dim.string(2, d.toString());
            }
            shape.message(1, dim);
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, elemType).message(2, shape);
        return new ProtoWriter().string(1, valueName).message(2, new ProtoWriter().message(1, tensorType));
    }

    /** A node attribute ({@code AttributeProto}). */
    public record Attribute(String name, int type, long i, float f, long[] ints, String s) {
        public static Attribute i(String name, long value) {
            return new Attribute(name, 2, value, 0, null, null);
        }

        public static Attribute f(String name, float value) {
            return new Attribute(name, 1, 0, value, null, null);
        }

        public static Attribute ints(String name, long... values) {
            return new Attribute(name, 7, 0, 0, values, null);
        }

        public static Attribute s(String name, String value) {
            return new Attribute(name, 3, 0, 0, null, value);
        }

        ProtoWriter encode() {
            ProtoWriter a = new ProtoWriter().string(1, name);
            switch (type) {
                case 1 -> a.float32(2, f);
                case 2 -> a.varint(3, i);
                case 3 -> a.string(4, s);
                case 7 -> a.packedVarints(8, ints);
                default -> throw new IllegalStateException("attribute type " + type);
            }
            return a.varint(20, type);
        }
    }
}
