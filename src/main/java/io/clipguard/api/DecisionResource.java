package io.clipguard.api;

import io.clipguard.api.security.Roles;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.app.LocalNode;
import io.clipguard.config.ClipGuardConfig;
import io.clipguard.error.ErrorCode;
import io.clipguard.insight.Explanation;
import io.clipguard.kafka.AvroJson;
import io.clipguard.moderation.kafka.DecisionLookup;
import io.clipguard.moderation.kafka.ModerationService;
import io.clipguard.policy.Policy;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.StoredDecision;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * {@code GET /decisions/{contentId}}: the latest decision and its audit record, from the
 * instance that owns the key (forwarded once when that is another instance, with the caller's
 * credentials). A login is needed (unless {@code clipguard.http.open-decisions}): viewers,
 * editors and publishers get the audit record too; service accounts (role {@code service})
 * get the decision alone, without the image's source URI or any policy text. Error details
 * never name another instance's address. {@code /explain} gives staff the readable "why".
 */
@Path("/decisions")
public class DecisionResource {

    @Inject
    LocalNode node;

    @Inject
    SecurityIdentity identity;

    @Inject
    ClipGuardConfig config;

    @GET
    @Path("{contentId}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response get(@PathParam("contentId") String contentId, @HeaderParam(OwnerForward.FORWARDED) String forwarded,
                        @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        boolean full = config.http().openDecisions() && identity.isAnonymous();
        if (!full) {
            if (identity.isAnonymous()) {
                throw new UnauthorizedException();
            }
            full = isStaff();
            if (!full && !identity.hasRole(Roles.SERVICE)) {
                throw new ForbiddenException();
            }
        }
        boolean withAudit = full;
        return lookup(contentId, "", forwarded, authorization, (node, stored) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("decision", AvroJson.toMap(stored.getDecision()));
            if (withAudit) {
                body.put("audit", AvroJson.toMap(stored.getAudit()));
            }
            return body;
        });
    }

    /**
     * {@code GET /decisions/{contentId}/explain}: the decision as a person reads it (the
     * dashboard's "why" view): each category's probability against its threshold, with the
     * prompts of the policy version that decided.
     */
    @GET
    @Path("{contentId}/explain")
    @Produces(MediaType.APPLICATION_JSON)
    public Response explain(@PathParam("contentId") String contentId, @HeaderParam(OwnerForward.FORWARDED) String forwarded,
                            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        if (identity.isAnonymous()) {
            throw new UnauthorizedException();
        }
        if (!isStaff()) {
            throw new ForbiddenException();
        }
        return lookup(contentId, "/explain", forwarded, authorization, (node, stored) -> {
            ModerationDecision d = stored.getDecision();
            Policy policy = node.runtime().policies().catalog().decidedBy(d.getPolicyId(), d.getPolicyVersion()).orElse(null);
            return Explanation.of(stored, policy);
        });
    }

    private boolean isStaff() {
        return identity.getRoles().stream().anyMatch(r -> Set.of(Roles.VIEWER, Roles.EDITOR, Roles.PUBLISHER).contains(r));
    }

    /** Finds the stored decision here, or forwards the same request once to the instance that owns the key. */
    private Response lookup(String contentId, String suffix, String forwarded, String authorization,
                            BiFunction<ClipGuardNode, StoredDecision, Object> body) {
        ClipGuardNode here = node.require();
        ModerationService service = here.service();
        DecisionLookup.Result result = service.lookup(contentId);
        if (result instanceof DecisionLookup.Result.Found f) {
            return Response.ok(body.apply(here, f.decision())).header(OwnerForward.SERVED_BY, service.settings().instanceId()).build();
        }
        if (result instanceof DecisionLookup.Result.NotFound) {
            return Problem.of(ErrorCode.DECISION_NOT_FOUND, "no decision for contentId '" + contentId + "'");
        }
        if (result instanceof DecisionLookup.Result.NotReady n) {
            return Problem.of(ErrorCode.STORE_NOT_READY, n.reason());
        }
        String owner = ((DecisionLookup.Result.Elsewhere) result).hostPort();
        if (forwarded != null) {
            return Problem.of(ErrorCode.NOT_OWNER, "this request was forwarded here, but another instance owns the key");
        }
        return forward(owner, contentId, suffix, authorization);
    }

    private static Response forward(String owner, String contentId, String suffix, String authorization) {
        return OwnerForward.get(owner, "/decisions/" + URLEncoder.encode(contentId, StandardCharsets.UTF_8).replace("+", "%20") + suffix,
                authorization);
    }
}
