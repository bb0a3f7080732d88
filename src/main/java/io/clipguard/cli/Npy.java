package io.clipguard.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Writes NumPy {@code .npy} files (format 1.0, little-endian float32, C order). */
final class Npy {
    private Npy() {
    }

    static void writeFloat32(Path file, float[] data, long... shape) throws IOException {
        String dims = Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", "));
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + (shape.length == 1 ? "," : "") + "), }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer body = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.asFloatBuffer().put(data);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            out.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) header.length()).array());
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body.array());
        }
    }
}
