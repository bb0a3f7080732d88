package io.clipguard.api;

import io.clipguard.api.security.LoginThrottle;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Failures of the API as problem+json with stable codes, security ones included. */
public class ProblemMappers {
    @ServerExceptionMapper
    public Response failure(ClipGuardException e) {
        return Problem.of(e.code(), e.getMessage(), Map.of("errors", e.errors()));
    }

    /**
     * 401 with a Basic challenge, except for script requests (header {@code X-Requested-With}),
     * which get no challenge so that the browser does not pop up its own login dialog over the
     * editor's form.
     */
    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(HttpHeaders headers, Throwable failure) {
        if (failure instanceof AuthenticationFailedException a && a.getAttribute(LoginThrottle.RETRY_AFTER_SECONDS) != null) {
            return Response.fromResponse(Problem.of(ErrorCode.TOO_MANY_LOGINS, failure.getMessage()))
                    .header("Retry-After", String.valueOf((Object) a.getAttribute(LoginThrottle.RETRY_AFTER_SECONDS))).build();
        }
        Response problem = Problem.of(ErrorCode.UNAUTHENTICATED, "log in (HTTP Basic) to use this endpoint");
        if (headers.getHeaderString("X-Requested-With") != null) {
            return problem;
        }
        return Response.fromResponse(problem).header("WWW-Authenticate", "Basic realm=\"clipguard\"").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return Problem.of(ErrorCode.FORBIDDEN, "your roles do not allow this");
    }
}
