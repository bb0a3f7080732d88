package io.clipguard.api;

import io.clipguard.error.ErrorCode;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Sends a request once to the instance that owns a content id's partition (its decision store
 * answers there), with the caller's login, marked as forwarded so the owner never forwards it
 * again; answers what the owner answered. Owners are other instances of this deployment, named
 * by the Kafka Streams metadata they publish ({@code clipguard.http.advertised}).
 */
final class OwnerForward {
    static final String FORWARDED = "X-ClipGuard-Forwarded";
    /** Names the instance whose store answered, also through a forward. */
    static final String SERVED_BY = "X-ClipGuard-Served-By";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private OwnerForward() {
    }

    /** A GET of {@code path} (encoded, with its query) on {@code owner} (host:port). */
    static Response get(String owner, String path, String authorization) {
        return send(owner, path, authorization, HttpRequest.newBuilder().GET(), Duration.ofSeconds(5));
    }

    /** A POST of the JSON {@code body} to {@code path} on {@code owner}, as a script sends it (the CSRF header), waiting {@code timeout}. */
    static Response postJson(String owner, String path, String body, String authorization, Duration timeout) {
        return send(owner, path, authorization, HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", MediaType.APPLICATION_JSON).header(CsrfGuard.HEADER, "forwarded"), timeout);
    }

    private static Response send(String owner, String path, String authorization, HttpRequest.Builder request, Duration timeout) {
        try {
            request.uri(URI.create("http://" + owner + path)).header(FORWARDED, "1").timeout(timeout);
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return Response.status(r.statusCode()).type(r.headers().firstValue("Content-Type").orElse(MediaType.APPLICATION_JSON))
                    .header(SERVED_BY, r.headers().firstValue(SERVED_BY).orElse(null)).entity(r.body()).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Problem.of(ErrorCode.OWNER_UNREACHABLE, "interrupted while asking the instance that owns this key");
        } catch (Exception e) {
            return Problem.of(ErrorCode.OWNER_UNREACHABLE, "the instance that owns this key did not answer");
        }
    }
}
