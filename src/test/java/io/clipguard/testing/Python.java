package io.clipguard.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Debian Python ({@code /usr/bin/python3}, with Pillow and NumPy from
 * {@code deploy/install-deps.sh}) on scripts under {@code src/test/resources/python}.
 */
public final class Python {
    private Python() {
    }

    public static void run(String script, Path workDir, String... args) throws IOException, InterruptedException {
        Path file = workDir.resolve(script);
        try (InputStream in = Python.class.getResourceAsStream("/python/" + script)) {
            if (in == null) {
                throw new IllegalStateException("no script " + script);
            }
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", file.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(script + " failed (run deploy/install-deps.sh?): " + output);
        }
    }

    /** Reads a little-endian float32 .npy file (any shape) as a flat array. */
    public static float[] readNpy(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes[6];
        int headerLength = major == 1 ? b.getShort(8) & 0xFFFF : b.getInt(8);
        int start = (major == 1 ? 10 : 12) + headerLength;
        String header = new String(bytes, major == 1 ? 10 : 12, headerLength, StandardCharsets.ISO_8859_1);
        if (!header.contains("'<f4'")) {
            throw new IllegalArgumentException("expected float32 .npy, header " + header);
        }
        float[] out = new float[(bytes.length - start) / 4];
        b.position(start);
        b.asFloatBuffer().get(out);
        return out;
    }

    /** The photographs unpacked by deploy/install-deps.sh. */
    public static Path photos() {
        Path dir = Path.of(".cache/photos");
        if (!Files.isRegularFile(dir.resolve(".complete"))) {
            throw new IllegalStateException("test photographs missing: run deploy/install-deps.sh");
        }
        return dir;
    }
}
