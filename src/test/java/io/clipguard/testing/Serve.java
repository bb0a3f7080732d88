package io.clipguard.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code ./clipguard serve} as a separate process, configured through its environment as a container would be. */
public final class Serve {
    private Serve() {
    }

    /**
     * Starts the service; stdout and stderr go to {@code dir/NAME.out} and {@code dir/NAME.err}.
     * The environment starts clean of Kafka and ClipGuard variables, then takes {@code env}.
     */
    public static Process start(Path dir, String name, int httpPort, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("./clipguard", "serve"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("CLIPGUARD_"));
        pb.environment().put("CLIPGUARD_MODEL_CACHE_DIR", dir.resolve("cache").toString());
        pb.environment().put("CLIPGUARD_HTTP_ADVERTISED", "localhost:" + httpPort);
        pb.environment().put("CLIPGUARD_JAVA_OPTS", "-Xmx1g -Dquarkus.http.port=" + httpPort);
        pb.environment().putAll(env);
        pb.redirectOutput(dir.resolve(name + ".out").toFile());
        pb.redirectError(dir.resolve(name + ".err").toFile());
        return pb.start();
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
