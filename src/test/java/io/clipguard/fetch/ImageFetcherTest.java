package io.clipguard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.testing.HostileServer;
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
    static final byte[] IMAGE = new byte[5000];
    static HostileServer server;
    static String base;

    @TempDir
    static Path root;

    @BeforeAll
    static void serve() {
        server = HostileServer.start(IMAGE);
        base = server.base();
    }

    @AfterAll
    static void stop() {
        server.close();
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
        assertCode(f, "http://localhost:" + server.port() + "/image", ErrorCode.FETCH_HOST_NOT_ALLOWED);
        assertCode(f, "gopher://127.0.0.1/x", ErrorCode.FETCH_SCHEME_NOT_ALLOWED);
        assertCode(f, base + "/redirect-away", ErrorCode.FETCH_REDIRECT_NOT_ALLOWED);
        assertCode(f, base + "/loop", ErrorCode.FETCH_TOO_MANY_REDIRECTS);
        assertCode(f, base + "/missing", ErrorCode.FETCH_HTTP_STATUS);
        assertCode(f, "not a uri", ErrorCode.FETCH_URI_INVALID);
    }

    @Test
    void enforcesTheByteLimitWhetherDeclaredOrStreamed() {
        assertCode(fetcher(true, 4000, null), base + "/image", ErrorCode.FETCH_TOO_LARGE);
        assertCode(fetcher(true, 50_000, null), base + "/streams-big", ErrorCode.FETCH_TOO_LARGE);
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
        int port = server.port();
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
