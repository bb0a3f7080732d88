package io.clipguard.api;

import io.clipguard.api.security.Roles;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.app.LocalNode;
import io.clipguard.bank.BankEntries;
import io.clipguard.bank.Banks;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.image.ImagePipeline;
import io.clipguard.moderation.kafka.DecisionLookup;
import io.clipguard.pdq.PdqHash;
import io.clipguard.pdq.PdqHasher;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicySet;
import io.clipguard.policy.catalog.PolicySwitch;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.BankEntry;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The banks API: which banks the active policies declare and how many entries each holds
 * (viewer and up), and adding or removing entries (role banker, or publisher). An entry comes
 * from an image (its PDQ hash, or its embedding by the loaded model for an embedding bank) or
 * from the contentId of a past decision (the PDQ hash its audit record kept). A change is
 * written to the banks topic and answered once this instance matches with it; every other
 * instance applies it as it reads the topic.
 */
@Path("/banks")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "banks")
public class BankResource {
    private static final Duration APPLY_WAIT = Duration.ofSeconds(10);

    @Inject
    LocalNode node;

    @Inject
    SecurityIdentity identity;

    /** One bank: its declaration in a policy (when one declares it) and its entries here. */
    public record BankView(String id, String kind, Integer maxDistance, Double minSimilarity, boolean negative, List<String> policies,
                           int entries) {
    }

    /** A new entry: an image (base64) or the contentId of a past decision; why; optionally when it stops matching. */
    public record EntryRequest(String image, String contentId, String reason, String expiresAt) {
    }

    /** The entry written. */
    public record EntryView(String bank, String entry, String kind, String pdq, Integer quality, String source) {
    }

    @GET
    @RolesAllowed({Roles.VIEWER, Roles.EDITOR, Roles.PUBLISHER, Roles.BANKER})
    public List<BankView> list() {
        ClipGuardNode here = node.require();
        Map<String, Integer> counts = here.runtime().banks().counts();
        Map<String, BankView> out = new LinkedHashMap<>();
        for (Policy p : declaring(here)) {
            for (Policy.Bank b : p.banks()) {
                BankView seen = out.get(b.id());
                List<String> policies = new ArrayList<>(seen == null ? List.of() : seen.policies());
                policies.add(p.id());
                boolean pdq = b.kind() == Policy.BankKind.PDQ;
                out.put(b.id(), new BankView(b.id(), pdq ? "pdq" : "embedding", pdq ? b.maxDistance() : null, pdq ? null : b.minSimilarity(),
                        b.negative(), policies, counts.getOrDefault(b.id(), 0)));
            }
        }
        counts.forEach((id, n) -> out.putIfAbsent(id, new BankView(id, null, null, null, false, List.of(), n)));
        return List.copyOf(out.values());
    }

    @POST
    @Path("{bank}/entries")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.BANKER, Roles.PUBLISHER})
    public Response add(@PathParam("bank") String bank, EntryRequest request) throws InterruptedException {
        requireBanksRole();
        if (!BankEntries.BANK_ID.matcher(bank).matches()) {
            throw new ClipGuardException(ErrorCode.BANK_ENTRY_INVALID, "a bank id is lower-case letters, digits, '.', '_' and '-'");
        }
        if (request == null || (request.image() == null) == (request.contentId() == null)) {
            throw new ClipGuardException(ErrorCode.BANK_ENTRY_INVALID, "give an image (base64) or the contentId of a past decision, one of them");
        }
        ClipGuardNode here = node.require();
        String kind = kindOf(here, bank);
        String reason = request.reason() == null ? null : request.reason().substring(0, Math.min(500, request.reason().length()));
        Instant expires = expiry(request.expiresAt());
        String who = identity.getPrincipal().getName();
        Instant now = Instant.now();
        BankEntry entry;
        if (request.image() != null) {
            byte[] bytes = ImageBody.decode(request.image(), ErrorCode.BANK_ENTRY_INVALID);
            ImagePipeline.Prepared prepared = here.runtime().prepare(bytes);
            if (kind.equals("embedding")) {
                float[] vector = here.runtime().embed(prepared.tensor());
                entry = BankEntries.embedding(bank, BankEntries.exemplarId(bytes), vector, here.runtime().engine().identity().digest(), "api",
                        who, now, reason, expires);
            } else {
                PdqHasher.Result r = prepared.hashes().get(0);
                if (r.quality() < Banks.MIN_QUALITY) {
                    throw new ClipGuardException(ErrorCode.BANK_ENTRY_INVALID, "the image has too little detail for a PDQ hash (quality " + r.quality()
                            + " < " + Banks.MIN_QUALITY + "): it would match other flat images");
                }
                entry = BankEntries.pdq(bank, r.hash().toString(), r.hash(), r.quality(), "api", who, now, reason, null, expires);
            }
        } else {
            if (kind.equals("embedding")) {
                throw new ClipGuardException(ErrorCode.BANK_ENTRY_INVALID, "an embedding bank takes images; a past decision adds its PDQ hash");
            }
            DecisionLookup.Result found = here.service().lookup(request.contentId());
            if (!(found instanceof DecisionLookup.Result.Found f)) {
                return Problem.of(ErrorCode.DECISION_NOT_FOUND, "no decision for contentId '" + request.contentId() + "' on this instance");
            }
            AuditRecord audit = f.decision().getAudit();
            if (audit.getPdq() == null) {
                throw new ClipGuardException(ErrorCode.BANK_ENTRY_INVALID, "the decision of '" + request.contentId()
                        + "' kept no PDQ hash (decided before release v6)");
            }
            if (audit.getPdqQuality() != null && audit.getPdqQuality() < Banks.MIN_QUALITY) {
                throw new ClipGuardException(ErrorCode.BANK_ENTRY_INVALID, "the upload of '" + request.contentId()
                        + "' has too little detail for a PDQ hash (quality " + audit.getPdqQuality() + " < " + Banks.MIN_QUALITY + ")");
            }
            PdqHash hash = PdqHash.parse(audit.getPdq());
            entry = BankEntries.pdq(bank, hash.toString(), hash, audit.getPdqQuality(), "content:" + request.contentId(), who, now, reason, null,
                    expires);
        }
        if (!here.runtime().banks().hasRoomFor(entry.getBank(), entry.getEntry(), entry.getVector() == null ? 0 : entry.getVector().size())) {
            throw new ClipGuardException(ErrorCode.BANKS_FULL, "the banks hold " + here.runtime().banks().size()
                    + " entries, the most this deployment keeps (clipguard.banks.max-entries, and clipguard.banks.max-exemplar-mib for exemplars)");
        }
        long offset = here.banks().write(entry);
        boolean applied = here.banks().awaitApplied(offset, APPLY_WAIT);
        if (applied && !here.runtime().banks().holds(entry.getBank(), entry.getEntry())) {
            // Another add took the room between the check and this one's turn: written, but not held.
            throw new ClipGuardException(ErrorCode.BANKS_FULL, "the banks filled before this entry was applied (clipguard.banks.max-entries, "
                    + "max-exemplar-mib); it is not held");
        }
        EntryView view = new EntryView(entry.getBank(), entry.getEntry(), entry.getKind(), entry.getPdq(), entry.getQuality(), entry.getSource());
        return Response.status(applied ? 201 : 202).entity(view).build();
    }

    @DELETE
    @Path("{bank}/entries/{entry}")
    @RolesAllowed({Roles.BANKER, Roles.PUBLISHER})
    public Response remove(@PathParam("bank") String bank, @PathParam("entry") String entry) throws InterruptedException {
        requireBanksRole();
        ClipGuardNode here = node.require();
        Banks banks = here.runtime().banks();
        if (!banks.holds(bank, entry)) {
            return Problem.of(ErrorCode.BANK_ENTRY_NOT_FOUND, "bank '" + bank + "' has no entry '" + entry + "'");
        }
        long offset = here.banks().remove(bank, entry);
        here.banks().awaitApplied(offset, APPLY_WAIT);
        return Response.noContent().build();
    }

    /** The policies this instance scores with: each enforced policy's (the default's and each tenant's) active version and shadow. */
    private static List<Policy> declaring(ClipGuardNode here) {
        List<Policy> out = new ArrayList<>();
        for (PolicySwitch s : here.runtime().tenants().switches()) {
            PolicySet set = s.get();
            out.add(set.active().policy());
            if (set.shadow() != null) {
                out.add(set.shadow().policy());
            }
        }
        return out;
    }

    /**
     * Banks serve every policy that declares them, so changing one takes a banker or a publisher
     * of every policy: a publisher scoped to one policy may not edit another's banks.
     */
    private void requireBanksRole() {
        if (!identity.hasRole(Roles.BANKER) && !Roles.everywhere(identity.getRoles(), Roles.PUBLISHER)) {
            throw new ClipGuardException(ErrorCode.FORBIDDEN, identity.getPrincipal().getName()
                    + " is publisher of some policies only; bank entries serve every policy (role banker, or an unscoped publisher)");
        }
    }

    /** The kind of {@code bank} as the enforced policies declare it; pdq when none does yet. */
    private static String kindOf(ClipGuardNode here, String bank) {
        return declaring(here).stream().flatMap(p -> p.banks().stream()).filter(b -> b.id().equals(bank))
                .findFirst().map(b -> b.kind() == Policy.BankKind.EMBEDDING ? "embedding" : "pdq").orElse("pdq");
    }

    /** An entry's expiry, an ISO-8601 instant such as {@code 2027-01-31T00:00:00Z}; none when null. */
    private static Instant expiry(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new ClipGuardException(ErrorCode.BANK_ENTRY_INVALID, "expiresAt is an ISO-8601 instant such as 2027-01-31T00:00:00Z, not '"
                    + text.substring(0, Math.min(40, text.length())) + "'");
        }
    }

}
