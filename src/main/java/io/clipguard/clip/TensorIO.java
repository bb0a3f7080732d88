package io.clipguard.clip;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.platform.Fp16Conversions;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reading graph metadata and moving arrays in and out of ONNX Runtime tensors. */
final class TensorIO {
    private TensorIO() {
    }

    static TensorInfo tensorInfo(NodeInfo node, String file) {
        if (!(node.getInfo() instanceof TensorInfo info)) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": '" + node.getName() + "' is not a tensor (" + node.getInfo() + ")");
        }
        return info;
    }

    static boolean isFloat(TensorInfo info) {
        return info.type == OnnxJavaType.FLOAT || info.type == OnnxJavaType.FLOAT16;
    }

    static boolean isInteger(TensorInfo info) {
        return info.type == OnnxJavaType.INT64 || info.type == OnnxJavaType.INT32;
    }

    /** Describes every input or output as {@code name: TYPE[d0,d1,...]}, for error messages. */
    static String describe(Map<String, NodeInfo> nodes) {
        List<String> parts = new ArrayList<>();
        nodes.forEach((name, node) -> {
            if (node.getInfo() instanceof TensorInfo t) {
                parts.add(name + ": " + t.type + java.util.Arrays.toString(t.getShape()));
            } else {
                parts.add(name + ": " + node.getInfo());
            }
        });
        return String.join(", ", parts);
    }

    /**
     * A float tensor of {@code shape}, converted to fp16 when the input wants it. Data goes
     * through a direct buffer: ONNX Runtime's Java binding copies heap buffers value by value
     * (measured 5-8 times slower than a bulk copy).
     */
    static OnnxTensor floats(OrtEnvironment env, float[] data, long[] shape, TensorInfo wanted) throws OrtException {
        if (wanted.type == OnnxJavaType.FLOAT16) {
            ByteBuffer buf = ByteBuffer.allocateDirect(data.length * 2).order(ByteOrder.nativeOrder());
            ShortBuffer halves = buf.asShortBuffer();
            for (float v : data) {
                halves.put(Fp16Conversions.floatToFp16(v));
            }
            return OnnxTensor.createTensor(env, buf, shape, OnnxJavaType.FLOAT16);
        }
        FloatBuffer direct = ByteBuffer.allocateDirect(data.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        direct.put(data).flip();
        return OnnxTensor.createTensor(env, direct, shape);
    }

    /** An integer tensor of {@code shape}, as int64 or int32 as the input declares. */
    static OnnxTensor integers(OrtEnvironment env, long[] data, long[] shape, TensorInfo wanted) throws OrtException {
        if (wanted.type == OnnxJavaType.INT32) {
            int[] ints = new int[data.length];
            for (int i = 0; i < ints.length; i++) {
                ints[i] = Math.toIntExact(data[i]);
            }
            return OnnxTensor.createTensor(env, java.nio.IntBuffer.wrap(ints), shape);
        }
        return OnnxTensor.createTensor(env, LongBuffer.wrap(data), shape);
    }

    /** Rows of a 2-D float output ([batch, dim]); fp16 outputs are widened. */
    static float[][] rows(OrtSession.Result result, String output) throws OrtException {
        OnnxTensor tensor = (OnnxTensor) result.get(output)
                .orElseThrow(() -> new ClipGuardException(ErrorCode.MODEL_ERROR, "output '" + output + "' missing from result"));
        long[] shape = tensor.getInfo().getShape();
        if (shape.length != 2) {
            throw new ClipGuardException(ErrorCode.MODEL_ERROR,
                    "output '" + output + "' has shape " + java.util.Arrays.toString(shape) + ", expected [batch, dim]");
        }
        FloatBuffer all = tensor.getFloatBuffer();
        float[][] out = new float[(int) shape[0]][(int) shape[1]];
        for (float[] row : out) {
            all.get(row);
        }
        return out;
    }
}
