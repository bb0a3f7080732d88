package io.clipguard.fetch;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.util.Timeout;

/**
 * Fetches images by reference under {@link FetchSettings}, assuming the sender is an
 * adversary: http(s) to allow-listed hosts only; each host resolved once, by a resolver that
 * refuses any address {@link AddressPolicy} refuses, and the connection made to exactly the
 * addresses it returned (so a DNS answer that changes between check and connect, rebinding,
 * gains nothing); redirects followed by hand and checked again at every hop; the byte limit
 * enforced while streaming; a deadline on the whole transfer, enforced by cancelling the
 * request, and a minimum rate, so that a server trickling a byte a second is cut off after
 * a second, not after twenty megabytes. {@code file://} only inside one directory. Each
 * refusal is a {@link ClipGuardException} with a stable fetch code.
 */
public final class ImageFetcher implements AutoCloseable {
    private static final long GRACE_NANOS = 1_000_000_000L;

    private final FetchSettings settings;
    private final CloseableHttpClient http;
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "clipguard-fetch-deadlines");
        t.setDaemon(true);
        return t;
    });

    /** A resolution refused by the address policy (an {@link UnknownHostException} so the client stops at once). */
    private static final class RefusedAddress extends UnknownHostException {
        RefusedAddress(String message) {
            super(message);
        }
    }

    public ImageFetcher(FetchSettings settings) {
        this.settings = settings;
        DnsResolver checked = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                InetAddress[] all = InetAddress.getAllByName(host);
                for (InetAddress a : all) {
                    String refusal = AddressPolicy.refusal(a, settings.allowedNetworks());
                    if (refusal != null) {
                        throw new RefusedAddress(host + " resolves to " + a.getHostAddress() + " (" + refusal + ")");
                    }
                }
                return all;
            }

            @Override
            public String resolveCanonicalHostname(String host) {
                return host;
            }
        };
        Timeout read = Timeout.of(settings.readTimeout());
        this.http = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create().setDnsResolver(checked)
                        .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(Timeout.of(settings.connectTimeout()))
                                .setSocketTimeout(read).build())
                        .setMaxConnTotal(64).setMaxConnPerRoute(8).build())
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(read).build())
                .disableRedirectHandling().disableAutomaticRetries().disableCookieManagement().disableAuthCaching()
                .disableContentCompression().setUserAgent("ClipGuard image fetcher").build();
    }

    public byte[] fetch(String reference) {
        URI uri;
        try {
            uri = new URI(reference);
        } catch (Exception e) {
            throw new ClipGuardException(ErrorCode.FETCH_URI_INVALID, "not a URI: " + reference);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "file" -> readFile(uri);
            case "http", "https" -> fetchHttp(uri);
            default -> throw new ClipGuardException(ErrorCode.FETCH_SCHEME_NOT_ALLOWED,
                    "scheme '" + scheme + "' is not allowed (http, https, file when enabled)");
        };
    }

    private byte[] fetchHttp(URI start) {
        long deadline = System.nanoTime() + settings.deadline().toNanos();
        URI uri = start;
        for (int hop = 0; hop <= settings.maxRedirects(); hop++) {
            checkTarget(uri, hop > 0);
            URI target = uri;
            HttpGet get = new HttpGet(target);
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw timeout(uri);
            }
            ScheduledFuture<?> cancel = deadlines.schedule(() -> get.cancel(), left, TimeUnit.NANOSECONDS);
            try {
                Hop result = http.execute(get, response -> hop(response, target, get));
                if (result.body() != null) {
                    return result.body();
                }
                uri = target.resolve(result.location());
            } catch (ClipGuardException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw failure(uri, e, deadline);
            } finally {
                cancel.cancel(false);
            }
        }
        throw new ClipGuardException(ErrorCode.FETCH_TOO_MANY_REDIRECTS, uri + ": more than " + settings.maxRedirects() + " redirects");
    }

    /** One response: the body, or where a redirect points. */
    private record Hop(byte[] body, String location) {
    }

    private Hop hop(ClassicHttpResponse response, URI uri, HttpGet get) throws IOException {
        int status = response.getCode();
        HttpEntity entity = response.getEntity();
        if (status != 200 || entity == null || entity.getContentLength() > settings.maxBytes()) {
            // No body is read from a response that is not the image: the connection is dropped, not drained.
            get.cancel();
        }
        if (status >= 300 && status < 400) {
            Header location = response.getFirstHeader("Location");
            if (location == null) {
                throw new ClipGuardException(ErrorCode.FETCH_HTTP_STATUS, uri + ": redirect " + status + " without Location");
            }
            return new Hop(null, location.getValue());
        }
        if (status != 200) {
            throw new ClipGuardException(ErrorCode.FETCH_HTTP_STATUS, uri + ": HTTP " + status);
        }
        if (entity == null) {
            return new Hop(new byte[0], null);
        }
        if (entity.getContentLength() > settings.maxBytes()) {
            throw new ClipGuardException(ErrorCode.FETCH_TOO_LARGE, uri + ": declares " + entity.getContentLength() + " bytes, limit "
                    + settings.maxBytes());
        }
        InputStream in = entity.getContent();
        try {
            byte[] body = readLimited(in, uri);
            in.close();
            return new Hop(body, null);
        } catch (ClipGuardException | IOException refused) {
            // Abort first: closing the stream would make the client read the rest of a hostile body to reuse the connection.
            get.cancel();
            throw refused;
        }
    }

    /** Reads the body under the byte limit and the minimum rate. */
    private byte[] readLimited(InputStream in, URI uri) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[16_384];
        long started = System.nanoTime();
        for (int n; (n = in.read(buffer)) != -1; ) {
            out.write(buffer, 0, n);
            if (out.size() > settings.maxBytes()) {
                throw new ClipGuardException(ErrorCode.FETCH_TOO_LARGE, uri + ": more than " + settings.maxBytes() + " bytes");
            }
            long elapsed = System.nanoTime() - started;
            if (elapsed > GRACE_NANOS && out.size() < settings.minBytesPerSecond() * (elapsed / 1e9)) {
                throw new ClipGuardException(ErrorCode.FETCH_TOO_SLOW, String.format("%s: %d bytes in %.1f s, slower than %d bytes/s",
                        uri, out.size(), elapsed / 1e9, settings.minBytesPerSecond()));
            }
        }
        return out.toByteArray();
    }

    private ClipGuardException failure(URI uri, Exception e, long deadline) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RefusedAddress r) {
                return new ClipGuardException(ErrorCode.FETCH_ADDRESS_NOT_ALLOWED, uri + ": " + r.getMessage());
            }
        }
        if (e instanceof UnknownHostException) {
            return new ClipGuardException(ErrorCode.FETCH_FAILED, uri + ": unknown host " + uri.getHost());
        }
        if (e instanceof InterruptedIOException || System.nanoTime() >= deadline) {
            return timeout(uri);
        }
        return new ClipGuardException(ErrorCode.FETCH_FAILED, uri + ": " + e);
    }

    private ClipGuardException timeout(URI uri) {
        return new ClipGuardException(ErrorCode.FETCH_TIMEOUT, uri + ": not fetched within " + settings.deadline().toMillis() + " ms");
    }

    private void checkTarget(URI uri, boolean redirected) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ClipGuardException(redirected ? ErrorCode.FETCH_REDIRECT_NOT_ALLOWED : ErrorCode.FETCH_SCHEME_NOT_ALLOWED,
                    uri + ": scheme '" + scheme + "' is not allowed");
        }
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (!settings.allowedHosts().contains(host)) {
            throw new ClipGuardException(redirected ? ErrorCode.FETCH_REDIRECT_NOT_ALLOWED : ErrorCode.FETCH_HOST_NOT_ALLOWED,
                    uri + ": host '" + host + "' is not on the allow-list");
        }
    }

    private byte[] readFile(URI uri) {
        if (settings.fileRoot() == null) {
            throw new ClipGuardException(ErrorCode.FETCH_FILE_NOT_ALLOWED, uri + ": file:// references are disabled");
        }
        try {
            Path root = settings.fileRoot().toRealPath();
            Path file = Path.of(uri).toRealPath();
            if (!file.startsWith(root)) {
                throw new ClipGuardException(ErrorCode.FETCH_FILE_NOT_ALLOWED, uri + ": outside " + root);
            }
            if (Files.size(file) > settings.maxBytes()) {
                throw new ClipGuardException(ErrorCode.FETCH_TOO_LARGE, uri + ": larger than " + settings.maxBytes() + " bytes");
            }
            return Files.readAllBytes(file);
        } catch (IOException | IllegalArgumentException e) {
            throw new ClipGuardException(ErrorCode.FETCH_FAILED, uri + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
        try {
            http.close();
        } catch (IOException e) {
            // nothing to release beyond the sockets the client closes
        }
    }
}
