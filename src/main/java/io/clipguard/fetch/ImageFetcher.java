package io.clipguard.fetch;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Fetches images by reference under {@link FetchSettings}: http(s) to allow-listed hosts
 * whose resolved addresses pass {@link AddressPolicy}, redirects followed by hand and
 * checked again at every hop, the byte limit enforced while streaming; {@code file://} only
 * inside one directory. Each refusal is a {@link ClipGuardException} with a stable code.
 *
 * <p>Known limit: the address is checked after resolution and the HTTP client resolves
 * again when it connects, so a DNS answer that changes in between (rebinding) is not
 * defended against here; an egress proxy is the place for that.
 */
public final class ImageFetcher {
    private final FetchSettings settings;
    private final HttpClient http;

    public ImageFetcher(FetchSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.connectTimeout()).build();
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
            default -> throw new ClipGuardException(ErrorCode.FETCH_SCHEME_NOT_ALLOWED, "scheme '" + scheme + "' is not allowed (http, https, file when enabled)");
        };
    }

    private byte[] fetchHttp(URI uri) {
        for (int hop = 0; hop <= settings.maxRedirects(); hop++) {
            checkTarget(uri, hop > 0);
            HttpResponse<InputStream> response;
            try {
                response = http.send(HttpRequest.newBuilder(uri).timeout(settings.readTimeout()).GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpTimeoutException e) {
                throw new ClipGuardException(ErrorCode.FETCH_TIMEOUT, uri + ": timed out: " + e.getMessage());
            } catch (IOException e) {
                throw new ClipGuardException(ErrorCode.FETCH_FAILED, uri + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClipGuardException(ErrorCode.FETCH_FAILED, uri + ": interrupted");
            }
            int status = response.statusCode();
            if (status >= 300 && status < 400) {
                closeQuietly(response.body());
                String location = response.headers().firstValue("Location").orElse(null);
                if (location == null) {
                    throw new ClipGuardException(ErrorCode.FETCH_HTTP_STATUS, uri + ": redirect " + status + " without Location");
                }
                uri = uri.resolve(location);
                continue;
            }
            if (status != 200) {
                closeQuietly(response.body());
                throw new ClipGuardException(ErrorCode.FETCH_HTTP_STATUS, uri + ": HTTP " + status);
            }
            long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > settings.maxBytes()) {
                closeQuietly(response.body());
                throw new ClipGuardException(ErrorCode.FETCH_TOO_LARGE, uri + ": declares " + declared + " bytes, limit " + settings.maxBytes());
            }
            return readLimited(response.body(), uri.toString());
        }
        throw new ClipGuardException(ErrorCode.FETCH_TOO_MANY_REDIRECTS, uri + ": more than " + settings.maxRedirects() + " redirects");
    }

    private void checkTarget(URI uri, boolean redirected) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ClipGuardException(redirected ? ErrorCode.FETCH_REDIRECT_NOT_ALLOWED : ErrorCode.FETCH_SCHEME_NOT_ALLOWED,
                    uri + ": scheme '" + scheme + "' is not allowed");
        }
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (!settings.allowedHosts().contains(host)) {
            throw new ClipGuardException(redirected ? ErrorCode.FETCH_REDIRECT_NOT_ALLOWED : ErrorCode.FETCH_HOST_NOT_ALLOWED,
                    uri + ": host '" + host + "' is not on the allow-list");
        }
        if (settings.allowPrivateAddresses()) {
            return;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                String refusal = AddressPolicy.refusal(address);
                if (refusal != null) {
                    throw new ClipGuardException(ErrorCode.FETCH_ADDRESS_NOT_ALLOWED, uri + ": " + host + " resolves to "
                            + address.getHostAddress() + " (" + refusal + ")");
                }
            }
        } catch (UnknownHostException e) {
            throw new ClipGuardException(ErrorCode.FETCH_FAILED, uri + ": unknown host " + host);
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

    private byte[] readLimited(InputStream body, String uri) {
        try (InputStream in = body) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, settings.maxBytes() + 1));
            if (bytes.length > settings.maxBytes()) {
                throw new ClipGuardException(ErrorCode.FETCH_TOO_LARGE, uri + ": more than " + settings.maxBytes() + " bytes");
            }
            return bytes;
        } catch (HttpTimeoutException e) {
            throw new ClipGuardException(ErrorCode.FETCH_TIMEOUT, uri + ": timed out while reading");
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.FETCH_FAILED, uri + ": " + e);
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the connection is discarded either way
        }
    }
}
