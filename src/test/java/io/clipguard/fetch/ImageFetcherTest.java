package io.clipguard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live fetches against a local HTTP server on loopback (allowed explicitly, as tests must). */
class ImageFetcherTest {
    static HttpServer server;
    static String base;
    static final byte[] IMAGE = new byte[5000];

    @TempDir
    static Path root;

    @BeforeAll
    static void serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/image", ex -> {
            ex.sendResponseHeaders(200, IMAGE.length);
            ex.getResponseBody().write(IMAGE);
            ex.close();
        });
        server.createContext("/chunked-big", ex -> {
            ex.sendResponseHeaders(200, 0);
            for (int i = 0; i < 100; i++) {
                ex.getResponseBody().write(new byte[1000]);
            }
            ex.close();
        });
        server.createContext("/redirect-ok", ex -> {
            ex.getResponseHeaders().add("Location", "/image");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.createContext("/redirect-away", ex -> {
            ex.getResponseHeaders().add("Location", "http://evil.example/x.jpg");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.createContext("/loop", ex -> {
            ex.getResponseHeaders().add("Location", "/loop");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.createContext("/missing", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.createContext("/slow", ex -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, IMAGE.length);
            ex.getResponseBody().write(IMAGE);
            ex.close();
        });
        server.createContext("/trickle", ex -> {
            // Headers at once, then a byte every 200 ms: a connection held open for ever at 5 bytes/s.
            ex.sendResponseHeaders(200, 0);
            try {
                for (int i = 0; i < 200; i++) {
                    ex.getResponseBody().write(1);
                    ex.getResponseBody().flush();
                    Thread.sleep(200);
                }
            } catch (InterruptedException | java.io.IOException ignored) {
                // the client gave up, as it should
            }
            ex.close();
        });
        server.createContext("/stall-body", ex -> {
            // Headers and a first chunk, then silence longer than the whole deadline.
            ex.sendResponseHeaders(200, 0);
            ex.getResponseBody().write(new byte[100]);
            ex.getResponseBody().flush();
            try {
                Thread.sleep(8000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    static ImageFetcher fetcher(boolean allowLoopback, long maxBytes, Path fileRoot) {
        return new ImageFetcher(new FetchSettings(Set.of("127.0.0.1"), allowLoopback ? List.of(AddressPolicy.Network.parse("127.0.0.0/8"))
                : List.of(), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(3), 32_768, maxBytes, 3, fileRoot));
    }

    static void assertCode(ImageFetcher f, String uri, ErrorCode code) {
        assertThatThrownBy(() -> f.fetch(uri)).isInstanceOf(ClipGuardException.class)
                .extracting(e -> ((ClipGuardException) e).code()).isEqualTo(code);
    }

    @Test
    void fetchesFromAnAllowedHostAndFollowsAllowedRedirects() throws Exception {
        ImageFetcher f = fetcher(true, 10_000, null);
        assertThat(f.fetch(base + "/image")).hasSize(IMAGE.length);
        assertThat(f.fetch(base + "/redirect-ok")).hasSize(IMAGE.length);
    }

    @Test
    void refusesLoopbackUnlessExplicitlyAllowed() {
        assertCode(fetcher(false, 10_000, null), base + "/image", ErrorCode.FETCH_ADDRESS_NOT_ALLOWED);
    }

    @Test
    void refusesHostsSchemesAndRedirectsOffTheAllowList() {
        ImageFetcher f = fetcher(true, 10_000, null);
        assertCode(f, "http://localhost:" + server.getAddress().getPort() + "/image", ErrorCode.FETCH_HOST_NOT_ALLOWED);
        assertCode(f, "gopher://127.0.0.1/x", ErrorCode.FETCH_SCHEME_NOT_ALLOWED);
        assertCode(f, base + "/redirect-away", ErrorCode.FETCH_REDIRECT_NOT_ALLOWED);
        assertCode(f, base + "/loop", ErrorCode.FETCH_TOO_MANY_REDIRECTS);
        assertCode(f, base + "/missing", ErrorCode.FETCH_HTTP_STATUS);
        assertCode(f, "not a uri", ErrorCode.FETCH_URI_INVALID);
    }

    @Test
    void enforcesTheByteLimitWhetherDeclaredOrStreamed() {
        assertCode(fetcher(true, 4000, null), base + "/image", ErrorCode.FETCH_TOO_LARGE);
        assertCode(fetcher(true, 50_000, null), base + "/chunked-big", ErrorCode.FETCH_TOO_LARGE);
    }

    @Test
    void timesOut() {
        assertCode(fetcher(true, 10_000, null), base + "/slow", ErrorCode.FETCH_TIMEOUT);
    }

    @Test
    void aTricklingServerIsCutOffAfterAboutASecond() {
        long t0 = System.nanoTime();
        assertCode(fetcher(true, 10_000, null), base + "/trickle", ErrorCode.FETCH_TOO_SLOW);
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds").isLessThan(2.5);
    }

    @Test
    void theWholeTransferHasADeadline() {
        // A 2 s read timeout alone would let this run 8 s; the 3 s deadline cancels it.
        ImageFetcher f = new ImageFetcher(new FetchSettings(Set.of("127.0.0.1"), List.of(AddressPolicy.Network.parse("127.0.0.0/8")),
                Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(2), 1, 10_000, 3, null));
        long t0 = System.nanoTime();
        assertCode(f, base + "/stall-body", ErrorCode.FETCH_TIMEOUT);
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds").isBetween(1.5, 3.5);
    }

    @Test
    void theAddressCheckAppliesToNamesAndLiteralsAlike() {
        ImageFetcher f = new ImageFetcher(new FetchSettings(Set.of("localhost", "127.0.0.1", "::1", "169.254.169.254"), List.of(),
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(3), 1, 10_000, 3, null));
        int port = server.getAddress().getPort();
        assertCode(f, "http://localhost:" + port + "/image", ErrorCode.FETCH_ADDRESS_NOT_ALLOWED);
        assertCode(f, "http://127.0.0.1:" + port + "/image", ErrorCode.FETCH_ADDRESS_NOT_ALLOWED);
        assertCode(f, "http://[::1]:" + port + "/image", ErrorCode.FETCH_ADDRESS_NOT_ALLOWED);
        // Refused before any packet is sent: the metadata address is never contacted.
        assertCode(f, "http://169.254.169.254/latest/meta-data/", ErrorCode.FETCH_ADDRESS_NOT_ALLOWED);
    }

    @Test
    void fileReferencesOnlyWhenEnabledAndInsideTheRoot() throws Exception {
        Path inside = Files.write(root.resolve("a.jpg"), new byte[] {1, 2, 3});
        assertCode(fetcher(true, 10_000, null), inside.toUri().toString(), ErrorCode.FETCH_FILE_NOT_ALLOWED);
        assertThat(fetcher(true, 10_000, root).fetch(inside.toUri().toString())).containsExactly(1, 2, 3);
        Path outside = Files.createTempFile("outside", ".jpg");
        try {
            assertCode(fetcher(true, 10_000, root), outside.toUri().toString(), ErrorCode.FETCH_FILE_NOT_ALLOWED);
            assertCode(fetcher(true, 10_000, root), root.toUri() + "../" + outside.getFileName(), ErrorCode.FETCH_FILE_NOT_ALLOWED);
        } finally {
            Files.delete(outside);
        }
    }
}
