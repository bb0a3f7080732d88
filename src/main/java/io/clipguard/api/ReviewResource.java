package io.clipguard.api;

import io.clipguard.api.security.Roles;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.app.LocalNode;
import io.clipguard.config.ClipGuardConfig;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.insight.Explanation;
import io.clipguard.insight.ReviewLedger;
import io.clipguard.policy.Policy;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.ReviewVerdict;
import io.clipguard.schema.VerdictKind;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The review API (the review page is its client): the next decision sent to review, leased to
 * the caller, with what a reviewer needs to judge it; and the verdict on it. Role reviewer.
 */
@Path("/reviews")
@RolesAllowed(Roles.REVIEWER)
public class ReviewResource {
    static final int MAX_NOTE = 1000;

    @Inject
    LocalNode local;

    @Inject
    SecurityIdentity identity;

    @Inject
    ClipGuardConfig config;

    /** A verdict as the page posts it: on the event shown, under the lease it came with. */
    public record VerdictRequest(String verdict, String category, String note, String eventId, String leaseId) {
    }

    /** 200 with the item leased to the caller (the oldest waiting, optionally of one tenant), or 204 when none waits. */
    @GET
    @Path("next")
    @Produces(MediaType.APPLICATION_JSON)
    public Response next(@QueryParam("tenant") String tenant) throws InterruptedException {
        ClipGuardNode node = local.require();
        Optional<ReviewLedger.Leased> leased = node.reviews().next(identity.getPrincipal().getName(), tenant);
        if (leased.isEmpty()) {
            return Response.noContent().build();
        }
        ReviewLedger.Item item = leased.get().item();
        ModerationDecision d = item.decision();
        Policy policy = policy(node, d);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("contentId", d.getContentId());
        body.put("eventId", d.getEventId());
        body.put("itemId", item.id());
        body.put("leaseId", leased.get().leaseId());
        body.put("tenant", d.getTenant());
        body.put("decidedAt", d.getDecidedAt().toString());
        body.put("leaseExpiresAt", leased.get().expiresAt().toString());
        body.put("image", item.sourcePartition() == null ? null : Map.of("partition", item.sourcePartition(), "offset", item.sourceOffset()));
        body.put("categories", policy == null ? d.getScores().stream().map(s -> s.getCategory()).toList()
                : policy.categories().stream().map(Policy.Category::id).toList());
        Explanation explanation = Explanation.of(d, null, policy);
        body.put("explanation", config.reviews().blind() ? explanation.forBlindReview() : explanation);
        body.put("blind", config.reviews().blind());
        body.put("queueDepth", node.reviews().depth());
        return Response.ok(body).build();
    }

    @POST
    @Path("{contentId}/verdict")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response verdict(@PathParam("contentId") String contentId, VerdictRequest request) throws InterruptedException {
        if (request == null || request.verdict() == null) {
            throw new ClipGuardException(ErrorCode.VERDICT_INVALID, "give a verdict: VIOLATION (with a category), NO_VIOLATION or ESCALATE");
        }
        VerdictKind kind;
        try {
            kind = VerdictKind.valueOf(request.verdict());
        } catch (IllegalArgumentException e) {
            throw new ClipGuardException(ErrorCode.VERDICT_INVALID, "verdict must be VIOLATION, NO_VIOLATION or ESCALATE, found '" + request.verdict() + "'");
        }
        if (request.eventId() == null || request.leaseId() == null) {
            throw new ClipGuardException(ErrorCode.VERDICT_INVALID, "name the eventId and leaseId of the item GET /reviews/next gave");
        }
        if (request.note() != null && request.note().length() > MAX_NOTE) {
            throw new ClipGuardException(ErrorCode.VERDICT_INVALID, "a note has at most " + MAX_NOTE + " characters");
        }
        if ((kind == VerdictKind.VIOLATION) == (request.category() == null || request.category().isBlank())) {
            throw new ClipGuardException(ErrorCode.VERDICT_INVALID, kind == VerdictKind.VIOLATION ? "a VIOLATION names the category shown"
                    : "only a VIOLATION names a category");
        }
        ClipGuardNode node = local.require();
        ReviewLedger.Item item = node.reviews().held(identity.getPrincipal().getName(), contentId).orElse(null);
        if (kind == VerdictKind.VIOLATION && item != null) {
            Policy policy = policy(node, item.decision());
            List<String> categories = policy == null ? item.decision().getScores().stream().map(s -> s.getCategory()).toList()
                    : policy.categories().stream().map(Policy.Category::id).toList();
            if (!categories.contains(request.category())) {
                throw new ClipGuardException(ErrorCode.VERDICT_INVALID, "'" + request.category() + "' is not a category of "
                        + item.decision().getPolicyId() + " v" + item.decision().getPolicyVersion() + " " + categories);
            }
        }
        ReviewVerdict v = node.reviews().verdict(identity.getPrincipal().getName(), contentId, request.eventId(), request.leaseId(), kind,
                kind == VerdictKind.VIOLATION ? request.category() : null, request.note());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("contentId", v.getContentId());
        body.put("eventId", v.getEventId());
        body.put("itemId", v.getItemId());
        body.put("verdict", v.getVerdict().name());
        body.put("category", v.getCategory());
        body.put("reviewer", v.getReviewer());
        body.put("reviewedAt", v.getReviewedAt().toString());
        return Response.status(Response.Status.CREATED).entity(body).build();
    }

    private static Policy policy(ClipGuardNode node, ModerationDecision d) {
        return node.runtime().policies().catalog().decidedBy(d.getPolicyId(), d.getPolicyVersion()).orElse(null);
    }

}
