package io.clipguard.api;

import io.clipguard.error.ErrorCode;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RFC 9457 problem details ({@code application/problem+json}) with a stable {@code code}: the
 * status is the code's ({@link ErrorCode#httpStatus()}), the title its meaning, the detail
 * what happened this time. Details name no internal host or port beyond what the caller sent.
 */
public final class Problem {
    public static final String MEDIA_TYPE = "application/problem+json";

    private Problem() {
    }

    public static Response of(ErrorCode code, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "urn:clipguard:problem:" + code.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        body.put("title", code.meaning());
        body.put("status", code.httpStatus());
        body.put("code", code.name());
        body.put("detail", detail);
        body.putAll(extra);
        return Response.status(code.httpStatus()).type(MEDIA_TYPE).entity(body).build();
    }

    public static Response of(ErrorCode code, String detail) {
        return of(code, detail, Map.of());
    }
}
