package io.clipguard.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads an ONNX file's initializers (ModelProto.graph.initializer dims and types) with an
 * independent protobuf reader, so tests check what the file holds, not what a generator
 * says it wrote.
 */
public final class OnnxInitializers {
    private OnnxInitializers() {
    }

    /** Total elements of all FLOAT initializers. */
    public static long floatElements(Path onnx) throws IOException {
        try (FileChannel ch = FileChannel.open(onnx, StandardOpenOption.READ)) {
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            long[] total = {0};
            forEachField(buf, 0, buf.limit(), (field, start, end) -> {
                if (field == 7) {
                    forEachField(buf, start, end, (gf, gs, ge) -> {
                        if (gf == 5) {
                            total[0] += floatTensorElements(buf, gs, ge);
                        }
                    });
                }
            });
            return total[0];
        }
    }

    private static long floatTensorElements(ByteBuffer buf, int start, int end) {
        long[] elements = {1};
        int[] type = {0};
        int pos = start;
        while (pos < end) {
            long[] tag = varint(buf, pos);
            pos = (int) tag[1];
            int field = (int) (tag[0] >>> 3);
            int wire = (int) (tag[0] & 7);
            if (wire == 0) {
                long[] v = varint(buf, pos);
                pos = (int) v[1];
                if (field == 1) {
                    elements[0] *= v[0];
                } else if (field == 2) {
                    type[0] = (int) v[0];
                }
            } else if (wire == 2) {
                long[] len = varint(buf, pos);
                int s = (int) len[1];
                int e = s + (int) len[0];
                if (field == 1) {
                    for (int p = s; p < e; ) {
                        long[] d = varint(buf, p);
                        elements[0] *= d[0];
                        p = (int) d[1];
                    }
                }
                pos = e;
            } else {
                pos += wire == 5 ? 4 : 8;
            }
        }
        return type[0] == 1 ? elements[0] : 0;
    }

    interface FieldVisitor {
        void visit(int field, int start, int end);
    }

    /** Visits length-delimited fields in [start, end); skips the others. */
    private static void forEachField(ByteBuffer buf, int start, int end, FieldVisitor visitor) {
        int pos = start;
        while (pos < end) {
            long[] tag = varint(buf, pos);
            pos = (int) tag[1];
            int wire = (int) (tag[0] & 7);
            switch (wire) {
                case 0 -> pos = (int) varint(buf, pos)[1];
                case 1 -> pos += 8;
                case 5 -> pos += 4;
                case 2 -> {
                    long[] len = varint(buf, pos);
                    int s = (int) len[1];
                    visitor.visit((int) (tag[0] >>> 3), s, s + (int) len[0]);
                    pos = s + (int) len[0];
                }
                default -> throw new IllegalStateException("wire type " + wire);
            }
        }
    }

    private static long[] varint(ByteBuffer buf, int pos) {
        long result = 0;
        int shift = 0;
        while (true) {
            int b = buf.get(pos++) & 0xFF;
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return new long[] {result, pos};
            }
            shift += 7;
        }
    }
}
