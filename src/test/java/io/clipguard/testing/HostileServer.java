package io.clipguard.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/**
 * An HTTP server on loopback that serves one image and misbehaves in every way an image host
 * controlled by an adversary could: redirects away and in loops, declares or streams more
 * than any limit, trickles a byte at a time, stalls before or after its headers.
 *
 * <pre>
 * /image         the image              /redirect-ok    302 to /image
 * /redirect-away 302 to another host    /loop           302 to itself
 * /missing       404                    /declares-big   Content-Length 50 MB, no body
 * /streams-big   10 MB, chunked         /trickle        a byte every 200 ms
 * /slow          the image after 3 s    /stall          no answer for 20 s
 * /stall-body    100 bytes, then 8 s of silence
 * </pre>
 */
public final class HostileServer implements AutoCloseable {
    private final HttpServer server;

    private HostileServer(HttpServer server) {
        this.server = server;
    }

    public static HostileServer start(byte[] image) {
        HttpServer s;
        try {
            s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        s.createContext("/image", ex -> send(ex, image));
        s.createContext("/redirect-ok", ex -> redirect(ex, "/image"));
        s.createContext("/redirect-away", ex -> redirect(ex, "http://elsewhere.example/x.jpg"));
        s.createContext("/loop", ex -> redirect(ex, "/loop"));
        s.createContext("/missing", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        s.createContext("/declares-big", ex -> {
            ex.sendResponseHeaders(200, 50_000_000);
            ex.close();
        });
        s.createContext("/streams-big", ex -> {
            ex.sendResponseHeaders(200, 0);
            dribble(ex, 100, new byte[100_000], 0);
        });
        s.createContext("/trickle", ex -> {
            ex.sendResponseHeaders(200, 0);
            dribble(ex, 200, new byte[] {(byte) 0xFF}, 200);
        });
        s.createContext("/slow", ex -> {
            sleep(3000);
            send(ex, image);
        });
        s.createContext("/stall", ex -> {
            sleep(20_000);
            ex.close();
        });
        s.createContext("/stall-body", ex -> {
            ex.sendResponseHeaders(200, 0);
            dribble(ex, 1, new byte[100], 8000);
        });
        s.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hostile-server");
            t.setDaemon(true);
            return t;
        }));
        s.start();
        return new HostileServer(s);
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String base() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static void send(HttpExchange ex, byte[] body) throws IOException {
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    private static void redirect(HttpExchange ex, String location) throws IOException {
        ex.getResponseHeaders().add("Location", location);
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    /** Writes {@code chunk} {@code times} times, flushing and pausing after each, until the client hangs up. */
    private static void dribble(HttpExchange ex, int times, byte[] chunk, long pauseMillis) {
        try {
            for (int i = 0; i < times; i++) {
                ex.getResponseBody().write(chunk);
                ex.getResponseBody().flush();
                sleep(pauseMillis);
            }
        } catch (IOException ignored) {
            // the client gave up, as it should
        }
        ex.close();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
