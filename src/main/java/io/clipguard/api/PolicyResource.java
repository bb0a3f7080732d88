package io.clipguard.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.api.security.Roles;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.app.LocalNode;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.moderation.Trial;
import io.clipguard.moderation.kafka.DecisionLookup;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.PolicyForm;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.policy.StoredBacktest;
import io.clipguard.policy.catalog.PolicyCatalog;
import io.clipguard.policy.catalog.PolicySwitch;
import io.clipguard.policy.catalog.PolicyWriter;
import io.clipguard.policy.catalog.TenantPolicies;
import io.clipguard.policy.catalog.TextDiff;
import io.clipguard.policy.kafka.PolicyDesk;
import io.clipguard.schema.PolicyHead;
import io.clipguard.schema.PolicyVersion;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The policy API: read the catalog (viewer), write and try drafts (editor), publish, shadow
 * and roll back (publisher). Every change records its author (the logged-in user), time,
 * reason and diff in {@code moderation.policy-changes}. Errors are problem+json with a
 * stable code: 400 invalid document, 403 role or two-person rule, 404 unknown, 409 state.
 */
@Path("/policies")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "policies")
public class PolicyResource {
    static final int MAX_BACKTEST_IMAGES = 1_000_000;
    /** How long a try forwarded to the instance that owns its contentId may take there (a model run, prompts maybe embedded). */
    static final Duration TRY_FORWARD_WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    LocalNode node;

    @Inject
    BacktestJobs backtests;

    @Inject
    UserQuotas quotas;

    @Inject
    SecurityIdentity identity;

    /**
     * A new draft: the YAML, why, the version it was edited from, and optionally the id of a
     * finished backtest of exactly this text (by the same user), attached to the draft.
     */
    public record DraftRequest(String yaml, String reason, Integer basedOn, String backtestJob) {
    }

    /** A document to validate, optionally for a given policy id. */
    public record ValidateRequest(String yaml, String policyId) {
    }

    /** Why a change is made. */
    public record ChangeRequest(String reason) {
    }

    /** A draft's text and the image to try it on: the image itself (base64) or a past decision's contentId. */
    public record TryRequest(String yaml, String image, String contentId) {
    }

    /** The tenants a policy decides, and why they change. */
    public record TenantsRequest(List<String> tenants, String reason) {
    }

    /** The earlier version to enforce again, and why. */
    public record RollbackRequest(Integer version, String reason) {
    }

    @GET
    @RolesAllowed({Roles.VIEWER, Roles.EDITOR, Roles.PUBLISHER})
    @Operation(summary = "Every policy with its head, and what this instance enforces (by default and for each mapped tenant)")
    public PolicyViews.Catalog list() {
        PolicyDesk control = control();
        PolicyCatalog catalog = control.catalog();
        return new PolicyViews.Catalog(catalog.policyIds().stream().map(id -> new PolicyViews.Summary(id,
                catalog.head(id).map(PolicyViews.Head::of).orElse(null), catalog.versions(id).size(), catalog.nextVersion(id) - 1)).toList(),
                control.policies().status(), tenants(node.require().runtime().tenants()));
    }

    @GET
    @Path("{policyId}")
    @RolesAllowed({Roles.VIEWER, Roles.EDITOR, Roles.PUBLISHER})
    @Operation(summary = "A policy's head and history (versions without their documents)")
    public PolicyViews.History history(@PathParam("policyId") String policyId) {
        PolicyCatalog catalog = control().catalog();
        List<PolicyVersion> versions = catalog.versions(policyId);
        if (versions.isEmpty()) {
            throw new ClipGuardException(ErrorCode.POLICY_NOT_FOUND, "no policy '" + policyId + "'");
        }
        return new PolicyViews.History(policyId, catalog.head(policyId).map(PolicyViews.Head::of).orElse(null),
                versions.stream().map(PolicyViews.VersionSummary::of).toList());
    }

    @GET
    @Path("{policyId}/versions/{version}")
    @RolesAllowed({Roles.VIEWER, Roles.EDITOR, Roles.PUBLISHER})
    @Operation(summary = "One version, with its document")
    public PolicyViews.Version version(@PathParam("policyId") String policyId, @PathParam("version") int version) {
        PolicyVersion found = find(policyId, version);
        PolicyViews.AttachedBacktest attached = null;
        if (found.getBacktest() != null) {
            try {
                com.fasterxml.jackson.databind.JsonNode summary = JSON.readTree(found.getBacktest());
                attached = new PolicyViews.AttachedBacktest(found.getAuthor(), found.getCreatedAt(), summary.path("beforeVersion").asInt(), summary);
            } catch (java.io.IOException unreadable) {
                // written by another tool: the version stands without it
            }
        }
        return PolicyViews.Version.of(found, attached);
    }

    @GET
    @Path("{policyId}/diff")
    @RolesAllowed({Roles.VIEWER, Roles.EDITOR, Roles.PUBLISHER})
    @Operation(summary = "Unified diff between two versions")
    public PolicyViews.Diff diff(@PathParam("policyId") String policyId, @QueryParam("from") Integer from, @QueryParam("to") Integer to) {
        if (from == null || to == null) {
            throw new ClipGuardException(ErrorCode.PARAMETER_MISSING, "both 'from' and 'to' versions are required");
        }
        PolicyVersion a = find(policyId, from);
        PolicyVersion b = find(policyId, to);
        return new PolicyViews.Diff(policyId, from, to, TextDiff.unified(a.getYaml(), b.getYaml(), policyId + " v" + from, policyId + " v" + to));
    }

    @GET
    @Path("{policyId}/changes")
    @RolesAllowed({Roles.VIEWER, Roles.EDITOR, Roles.PUBLISHER})
    @Operation(summary = "The policy's change log: who, when, why, diff")
    public List<PolicyViews.Change> changes(@PathParam("policyId") String policyId) {
        return control().changes(policyId).stream().map(PolicyViews.Change::of).toList();
    }

    @POST
    @Path("validate")
    @RolesAllowed({Roles.EDITOR})
    @Operation(summary = "Validate a document (schema, limits, and whether this deployment's model can enforce it)")
    @Consumes(MediaType.APPLICATION_JSON)
    public PolicyViews.Validation validate(ValidateRequest request) {
        if (request == null || request.yaml() == null) {
            throw new ClipGuardException(ErrorCode.BODY_MISSING, "a JSON body with 'yaml' is required");
        }
        Policy policy = PolicyFiles.parseVersion(request.policyId(), request.yaml(), 1);
        requireScope(Roles.EDITOR, policy.id());
        control().policies().checkActivation(policy);
        return new PolicyViews.Validation(true, policy.id(), policy.categories().size());
    }

    @POST
    @Path("{policyId}/drafts")
    @RolesAllowed({Roles.EDITOR})
    @Operation(summary = "Create a draft (numbered as the next version)")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response createDraft(@PathParam("policyId") String policyId, DraftRequest request) {
        requireScope(Roles.EDITOR, policyId);
        if (request == null || request.yaml() == null) {
            throw new ClipGuardException(ErrorCode.BODY_MISSING, "a JSON body with 'yaml' and 'reason' is required");
        }
        String backtest = null;
        if (request.backtestJob() != null) {
            String hash = PolicyFiles.contentHash(PolicyFiles.parseVersion(policyId, request.yaml(), 1));
            backtest = summary(backtests.finishedFor(request.backtestJob(), policyId, author(), hash).orElseThrow(() -> new ClipGuardException(
                    ErrorCode.INVALID_ARGUMENT, "backtest " + request.backtestJob() + " is not a finished backtest of this document by "
                            + author() + " on this instance")));
        }
        PolicyVersion draft = control().writer().createDraft(policyId, request.yaml(), request.basedOn(), author(), reason(request.reason()),
                backtest);
        return Response.status(201).entity(PolicyViews.Version.of(draft)).build();
    }

    @POST
    @Path("{policyId}/try")
    @RolesAllowed({Roles.EDITOR})
    @Operation(summary = "Try a draft on one image (or a past decision's upload): its action, rule and scores beside the active version's")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response tryDraft(@PathParam("policyId") String policyId, TryRequest request, @HeaderParam(OwnerForward.FORWARDED) String forwarded,
                             @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) throws Exception {
        requireScope(Roles.EDITOR, policyId);
        if (request == null || request.yaml() == null) {
            throw new ClipGuardException(ErrorCode.BODY_MISSING, "a JSON body with 'yaml' and an 'image' or a 'contentId' is required");
        }
        if ((request.image() == null) == (request.contentId() == null)) {
            throw new ClipGuardException(ErrorCode.INVALID_ARGUMENT, "give an image (base64) or the contentId of a past decision, one of them");
        }
        ClipGuardNode here = node.require();
        Policy draft = PolicyFiles.parseVersion(policyId, request.yaml(), control().catalog().nextVersion(policyId));
        byte[] bytes;
        if (request.image() != null) {
            bytes = ImageBody.decode(request.image(), ErrorCode.INVALID_ARGUMENT);
        } else {
            DecisionLookup.Result found = here.service().lookup(request.contentId());
            if (found instanceof DecisionLookup.Result.Elsewhere e) {
                // The owner's store has the decision: the try runs there, once.
                if (forwarded != null) {
                    throw new ClipGuardException(ErrorCode.NOT_OWNER, "this request was forwarded here, but another instance owns the key");
                }
                return OwnerForward.postJson(e.hostPort(), "/policies/" + URLEncoder.encode(policyId, StandardCharsets.UTF_8) + "/try",
                        JSON.writeValueAsString(request), authorization, TRY_FORWARD_WAIT);
            }
            bytes = PastUploads.image(here, request.contentId(), found);
        }
        try (UserQuotas.Held admitted = quotas.trial(author())) {
            ScoringPolicy draftScoring = control().policies().draft(draft);
            Trial tried = Trial.of(here.runtime(), bytes, request.contentId());
            PolicyViews.Outcome draftOutcome = PolicyViews.Outcome.of(null, draftScoring, tried.verdict(draftScoring));
            PolicyViews.Outcome activeOutcome = null;
            String activeMissing = null;
            try {
                ScoringPolicy active = activeScoring(policyId);
                activeOutcome = active == null ? null : PolicyViews.Outcome.of(active.policy().version(), active, tried.verdict(active));
                activeMissing = active == null ? policyId + " has no active version" : null;
            } catch (ClipGuardException e) {
                activeMissing = e.getMessage(); // the draft's answer stands without the comparison
            }
            return Response.ok(new PolicyViews.Trial(policyId, request.contentId(), here.runtime().engine().identity().id(), draftOutcome,
                    activeOutcome, activeMissing)).build();
        }
    }

    private static List<PolicyViews.TenantPolicy> tenants(TenantPolicies tenants) {
        java.util.Set<String> named = new java.util.TreeSet<>(tenants.mapping().keySet());
        named.addAll(tenants.refused().keySet());
        return named.stream().map(t -> new PolicyViews.TenantPolicy(t, tenants.switchFor(t).status(), tenants.refused().get(t))).toList();
    }

    @PUT
    @Path("{policyId}/tenants")
    @RolesAllowed({Roles.PUBLISHER})
    @Operation(summary = "Set the tenants this policy decides instead of the default policy (every instance follows within a second)")
    @Consumes(MediaType.APPLICATION_JSON)
    public PolicyViews.Head assignTenants(@PathParam("policyId") String policyId, TenantsRequest request) {
        requireScope(Roles.PUBLISHER, policyId);
        if (request == null || request.tenants() == null) {
            throw new ClipGuardException(ErrorCode.BODY_MISSING, "a JSON body with 'tenants' (a list) and 'reason' is required");
        }
        // Taking a tenant from the policy that decides it now is a change to that policy too.
        TenantPolicies tenants = node.require().runtime().tenants();
        request.tenants().stream().filter(java.util.Objects::nonNull).distinct().limit(PolicyWriter.MAX_TENANTS)
                .forEach(t -> requireScope(Roles.PUBLISHER, tenants.switchFor(t).enforcedId()));
        return PolicyViews.Head.of(control().writer().assignTenants(policyId, request.tenants(), author(), reason(request.reason())));
    }

    /** What enforces {@code policyId} now: this instance's version when it enforces that policy (for a tenant or by default), else the catalog's active one. */
    private ScoringPolicy activeScoring(String policyId) {
        for (PolicySwitch s : node.require().runtime().tenants().switches()) {
            if (s.enforcedId().equals(policyId)) {
                return s.get().active();
            }
        }
        return control().catalog().active(policyId).map(v -> control().policies().prepare(v)).orElse(null);
    }

    @POST
    @Path("{policyId}/versions/{version}/backtest")
    @RolesAllowed({Roles.EDITOR})
    @Operation(summary = "Start a dry run of a version against the newest stored embeddings; poll the job for progress")
    public Response backtest(@PathParam("policyId") String policyId, @PathParam("version") int version,
                             @QueryParam("limit") @DefaultValue("10000") int limit) {
        requireScope(Roles.EDITOR, policyId);
        checkedLimit(limit);
        PolicyDesk control = control();
        PolicyVersion target = find(policyId, version);
        BacktestJobs.Job job = backtests.submit(policyId, version, author(),
                j -> control.backtest(target, decidedBy(policyId), limit, j::readProgress, j::scoreProgress));
        return accepted(job);
    }

    /** A draft's text to backtest before it is saved, over the newest {@code limit} stored uploads. */
    public record DraftBacktestRequest(String yaml, Integer limit) {
    }

    /** One view of a document: its YAML, or the studio form's data; with the policy id it must carry. */
    public record DocumentRequest(String yaml, com.fasterxml.jackson.databind.JsonNode document, String policyId) {
    }

    @POST
    @Path("{policyId}/backtest")
    @RolesAllowed({Roles.EDITOR})
    @Operation(summary = "Start a dry run of an unsaved draft (the studio's sliders): the same job and report as a version's backtest; "
            + "a draft saved with this job's id (backtestJob) carries it")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response backtestDraft(@PathParam("policyId") String policyId, DraftBacktestRequest request) {
        requireScope(Roles.EDITOR, policyId);
        if (request == null || request.yaml() == null) {
            throw new ClipGuardException(ErrorCode.BODY_MISSING, "a JSON body with 'yaml' is required");
        }
        int limit = checkedLimit(request.limit() == null ? 10_000 : request.limit());
        PolicyDesk control = control();
        int version = control.catalog().nextVersion(policyId);
        Policy draft = PolicyFiles.parseVersion(policyId, request.yaml(), version);
        BacktestJobs.Job job = backtests.submit(policyId, version, author(), PolicyFiles.contentHash(draft), j -> {
            ScoringPolicy after = control.policies().draft(draft);
            ScoringPolicy before = activeScoring(policyId);
            return control.backtest(before == null ? after : before, after, decidedBy(policyId), limit, j::readProgress, j::scoreProgress);
        });
        return accepted(job);
    }

    @POST
    @Path("document")
    @RolesAllowed({Roles.VIEWER, Roles.EDITOR, Roles.PUBLISHER})
    @Operation(summary = "The studio's two views of a document: give the YAML or the form's data, get both back with every problem "
            + "under its field path (changes nothing: every staff role may read policies, so may convert them)")
    @Consumes(MediaType.APPLICATION_JSON)
    public PolicyViews.Document document(DocumentRequest request) {
        if (request == null || (request.yaml() == null) == (request.document() == null)) {
            throw new ClipGuardException(ErrorCode.BODY_MISSING, "a JSON body with 'yaml' or 'document' (one of them) is required");
        }
        PolicyForm.Views views = request.yaml() != null ? PolicyForm.fromYaml(request.yaml(), request.policyId())
                : PolicyForm.fromDocument(request.document(), request.policyId());
        List<String> errors = views.errors();
        if (errors.isEmpty()) {
            try {
                // Valid as a document; whether this deployment's model can enforce it is the other half of valid.
                control().policies().checkActivation(PolicyFiles.parseVersion(request.policyId(), views.yaml(), 1));
            } catch (ClipGuardException e) {
                errors = List.of("$.model: " + e.getMessage());
            }
        }
        return new PolicyViews.Document(views.yaml(), views.document(), errors);
    }

    @GET
    @Path("backtests/{jobId}")
    @RolesAllowed({Roles.EDITOR})
    @Operation(summary = "A backtest's progress and, when done, its report")
    public PolicyViews.BacktestJob backtestJob(@PathParam("jobId") String jobId) {
        PolicyViews.BacktestJob job = backtests.view(jobId).orElseThrow(() -> new ClipGuardException(ErrorCode.JOB_NOT_FOUND, "no backtest job " + jobId));
        requireScope(Roles.EDITOR, job.policyId());
        return job;
    }

    @POST
    @Path("{policyId}/versions/{version}/publish")
    @RolesAllowed({Roles.PUBLISHER})
    @Operation(summary = "Enforce a draft on every instance")
    @Consumes(MediaType.APPLICATION_JSON)
    public PolicyViews.Head publish(@PathParam("policyId") String policyId, @PathParam("version") int version, ChangeRequest request) {
        requireScope(Roles.PUBLISHER, policyId);
        return PolicyViews.Head.of(control().writer().publish(policyId, version, author(), reason(request == null ? null : request.reason())));
    }

    @POST
    @Path("{policyId}/versions/{version}/shadow")
    @RolesAllowed({Roles.PUBLISHER})
    @Operation(summary = "Score a version on live traffic beside the active one, never enforcing it")
    @Consumes(MediaType.APPLICATION_JSON)
    public PolicyViews.Head shadow(@PathParam("policyId") String policyId, @PathParam("version") int version, ChangeRequest request) {
        requireScope(Roles.PUBLISHER, policyId);
        return PolicyViews.Head.of(control().writer().shadow(policyId, version, author(), reason(request == null ? null : request.reason())));
    }

    @POST
    @Path("{policyId}/shadow/stop")
    @RolesAllowed({Roles.PUBLISHER})
    @Operation(summary = "Stop scoring the shadow version")
    @Consumes(MediaType.APPLICATION_JSON)
    public PolicyViews.Head stopShadow(@PathParam("policyId") String policyId, ChangeRequest request) {
        requireScope(Roles.PUBLISHER, policyId);
        return PolicyViews.Head.of(control().writer().stopShadow(policyId, author(), reason(request == null ? null : request.reason())));
    }

    @GET
    @Path("{policyId}/shadow/report")
    @RolesAllowed({Roles.VIEWER, Roles.EDITOR, Roles.PUBLISHER})
    @Operation(summary = "How a shadow version compares with the enforced one on live traffic")
    public Object shadowReport(@PathParam("policyId") String policyId, @QueryParam("version") Integer version) {
        PolicyDesk control = control();
        Integer v = version != null ? version : control.catalog().head(policyId).map(PolicyHead::getShadowVersion).orElse(null);
        if (v == null) {
            throw new ClipGuardException(ErrorCode.NO_SHADOW, policyId + " has no shadow version; name one with ?version=");
        }
        return control.shadowReport(policyId, v);
    }

    @POST
    @Path("{policyId}/rollback")
    @RolesAllowed({Roles.PUBLISHER})
    @Operation(summary = "Enforce an earlier published version again")
    @Consumes(MediaType.APPLICATION_JSON)
    public PolicyViews.Head rollback(@PathParam("policyId") String policyId, RollbackRequest request) {
        requireScope(Roles.PUBLISHER, policyId);
        if (request == null || request.version() == null) {
            throw new ClipGuardException(ErrorCode.BODY_MISSING, "a JSON body with 'version' and 'reason' is required");
        }
        return PolicyViews.Head.of(control().writer().rollback(policyId, request.version(), author(), reason(request.reason())));
    }

    /**
     * The uploads a backtest of {@code policyId} scores, by tenant: those of the tenants that
     * policy decides on this instance now (the default policy: every tenant mapped to no other,
     * and uploads stored before embeddings named their tenant); every upload for a policy that
     * decides no tenant yet (what it would do anywhere).
     */
    private Predicate<String> decidedBy(String policyId) {
        TenantPolicies tenants = node.require().runtime().tenants();
        String fallback = node.require().runtime().policies().enforcedId();
        if (!policyId.equals(fallback) && !tenants.mapping().containsValue(policyId)) {
            return tenant -> true;
        }
        return tenant -> (tenant == null ? fallback : tenants.switchFor(tenant).enforcedId()).equals(policyId);
    }

    private static int checkedLimit(int limit) {
        if (limit < 1 || limit > MAX_BACKTEST_IMAGES) {
            throw new ClipGuardException(ErrorCode.LIMIT_OUT_OF_RANGE, "limit must be between 1 and " + MAX_BACKTEST_IMAGES);
        }
        return limit;
    }

    /** 202 with the job as it stands and where to poll it. */
    private Response accepted(BacktestJobs.Job job) {
        return Response.accepted(backtests.view(job.id).orElseThrow()).header("Location", "/policies/backtests/" + job.id).build();
    }

    /** What a saved draft keeps of its backtest, at most this long (a version record stays far below Kafka's 1 MB). */
    static final int MAX_SUMMARY_CHARS = 64 * 1024;

    /**
     * A backtest's report without its sweeps: what a draft carries; without the per-category
     * counts and samples too if it would still be longer than {@value #MAX_SUMMARY_CHARS}.
     */
    static String summary(StoredBacktest.Report report) {
        com.fasterxml.jackson.databind.node.ObjectNode tree = JSON.valueToTree(report);
        tree.remove("sweeps");
        if (tree.toString().length() > MAX_SUMMARY_CHARS) {
            tree.remove("triggered");
            tree.remove("samples");
        }
        return tree.toString();
    }

    private PolicyVersion find(String policyId, int version) {
        return control().catalog().version(policyId, version).orElseThrow(() -> new ClipGuardException(ErrorCode.VERSION_NOT_FOUND,
                "policy " + policyId + " has no version " + version));
    }

    /** FORBIDDEN unless the user's {@code role} covers {@code policyId} (a role scoped to other policies does not). */
    private void requireScope(String role, String policyId) {
        if (!Roles.mayAct(identity.getRoles(), role, policyId)) {
            throw new ClipGuardException(ErrorCode.FORBIDDEN, author() + " is " + role + " of other policies, not of " + policyId);
        }
    }

    private String author() {
        return identity.getPrincipal().getName();
    }

    private static String reason(String reason) {
        if (reason == null || reason.isBlank()) {
            throw new ClipGuardException(ErrorCode.REASON_REQUIRED, "every policy change needs a reason");
        }
        if (reason.length() > 2000) {
            throw new ClipGuardException(ErrorCode.REASON_TOO_LONG, "a reason has at most 2000 characters");
        }
        return reason.strip();
    }

    private PolicyDesk control() {
        return node.require().policies();
    }
}
