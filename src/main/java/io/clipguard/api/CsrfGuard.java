package io.clipguard.api;

import io.clipguard.error.ErrorCode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Cross-site request forgery: a browser that holds Basic credentials for ClipGuard sends them
 * with a form another site submits, or a {@code fetch(..., {mode: "no-cors"})}. Neither can
 * set a custom header nor a JSON content type without a CORS preflight (which ClipGuard never
 * answers), so every state-changing request must carry {@code X-Requested-With} (the editor
 * sends it) and, when it has a body, {@code Content-Type: application/json}. Anything else is
 * refused before authentication or the resource runs: {@code CSRF_REJECTED}.
 */
@ApplicationScoped
public class CsrfGuard {
    static final String HEADER = "X-Requested-With";
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    private final AtomicLong rejected = new AtomicLong();

    @ServerRequestFilter(preMatching = true)
    public Response check(ContainerRequestContext request) {
        if (SAFE.contains(request.getMethod())) {
            return null;
        }
        String why = null;
        if (request.getHeaderString(HEADER) == null) {
            why = "the " + HEADER + " header is missing";
        } else if (hasBody(request) && !MediaType.APPLICATION_JSON_TYPE.isCompatible(request.getMediaType())) {
            why = "the body is " + request.getMediaType() + ", not application/json";
        }
        if (why == null) {
            return null;
        }
        rejected.incrementAndGet();
        return Problem.of(ErrorCode.CSRF_REJECTED, why);
    }

    /** State-changing requests refused so far. */
    public long rejected() {
        return rejected.get();
    }

    /** A declared length above zero, or a chunked body of unknown length; a content type alone is not a body. */
    private static boolean hasBody(ContainerRequestContext request) {
        return request.getLength() > 0 || request.getHeaderString("Transfer-Encoding") != null;
    }
}
