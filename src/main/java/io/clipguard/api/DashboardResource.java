package io.clipguard.api;

import io.clipguard.api.security.Roles;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.app.LocalNode;
import io.clipguard.app.NodeHealth;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.insight.FeedEvent;
import io.clipguard.insight.LiveStats;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * The live dashboard's data ({@code /dashboard/} is the page): a Server-Sent Events stream of
 * every decision and dead letter as it commits, on any instance; a summary for the charts and
 * counters; and thumbnails of uploads, rendered on request from the upload record. Viewers and
 * up only: the feed shows what users uploaded.
 */
@Path("/dashboard")
@RolesAllowed({Roles.VIEWER, Roles.EDITOR, Roles.PUBLISHER})
public class DashboardResource {
    static final int THUMBNAIL_SIDE = 192;

    @Inject
    LocalNode local;

    @Inject
    UserQuotas quotas;

    @Inject
    SecurityIdentity identity;

    /**
     * One JSON event per decision or dead letter, each client buffered ({@link ClientFeed}): a
     * client that keeps up gets every event, one that falls far behind gets a {@code missed}
     * event instead of the ones it lost, and never slows the feed. {@code tenant} and
     * {@code policy} narrow it to one tenant's or one policy's decisions (filtered here, so a
     * narrowed feed is not crowded out of its buffer by the rest).
     */
    @GET
    @Path("stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<FeedEvent> stream(@QueryParam("tenant") String tenant, @QueryParam("policy") String policy) {
        String onlyTenant = filter("tenant", tenant);
        String onlyPolicy = filter("policy", policy);
        ClipGuardNode node = local.require();
        String user = identity.getPrincipal().getName();
        quotas.requireStreamFree(user); // a 429 before the response starts; the quota itself is taken by the stream
        return Multi.createFrom().<FeedEvent>emitter(emitter -> {
            // Taken when the stream starts, given back however it ends (or fails to start).
            Runnable quota = quotas.stream(user);
            emitter.onTermination(quota);
            try {
                ClientFeed client = new ClientFeed(emitter, node.feed().dropped());
                AutoCloseable subscription = node.feed().subscribe(e -> {
                    if (e.shownFor(onlyTenant, onlyPolicy)) {
                        client.offer(e);
                    }
                });
                emitter.onTermination(() -> {
                    try {
                        subscription.close();
                    } catch (Exception ignored) {
                        // nothing to release beyond the subscription
                    } finally {
                        quota.run();
                    }
                });
            } catch (RuntimeException e) {
                quota.run();
                throw e;
            }
        }, BackPressureStrategy.ERROR);
    }

    /** A feed filter's value: null for none, else at most 128 characters. */
    private static String filter(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (value.length() > 128) {
            throw new ClipGuardException(ErrorCode.INVALID_ARGUMENT, name + " is at most 128 characters");
        }
        return value;
    }

    /**
     * Per-second series by action and category, latency percentiles, dead letters by reason, lag,
     * policy, model, health; the series and latencies narrowed to one tenant and/or policy when asked.
     */
    @GET
    @Path("summary")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> summary(@QueryParam("tenant") String tenant, @QueryParam("policy") String policy) {
        ClipGuardNode node = local.require();
        long now = System.currentTimeMillis();
        String onlyTenant = filter("tenant", tenant);
        String onlyPolicy = filter("policy", policy);
        LiveStats.Snapshot s = node.feed().stats().snapshot(onlyTenant, onlyPolicy, now);
        // Dead letters name no tenant reliably: they stay the instance's, like lag and health.
        LiveStats.Snapshot instance = onlyTenant == null && onlyPolicy == null ? s : node.feed().stats().snapshot(null, null, now);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("firstSecond", s.firstSecond());
        out.put("perSecondByAction", s.perSecondByAction());
        out.put("perSecondByCategory", s.perSecondByCategory());
        out.put("latencyMs", Map.of("p50", s.p50LatencyMs(), "p99", s.p99LatencyMs(), "samples", s.latencySamples()));
        out.put("deadLettersByReason", instance.deadLettersByReason());
        out.put("decisionsSeen", s.decisionsSeen());
        out.put("lag", node.lag());
        var enforced = node.runtime().policies().status();
        out.put("policy", Map.of("id", enforced.policyId(), "version", enforced.activeVersion()));
        var model = node.runtime().engine();
        out.put("model", Map.of("id", model.identity().id(), "digest", model.identity().digest(), "provider", model.provider()));
        out.put("instance", node.service().settings().instanceId());
        out.put("health", NodeHealth.of(node));
        return out;
    }

    /** A small JPEG of the upload at {@code partition}/{@code offset}, if it is {@code contentId}'s and still on the topic. */
    @GET
    @Path("thumbnails/{contentId}")
    @RolesAllowed({Roles.VIEWER, Roles.EDITOR, Roles.PUBLISHER, Roles.REVIEWER})
    @Produces({"image/jpeg", Problem.MEDIA_TYPE})
    public Response thumbnail(@PathParam("contentId") String contentId, @QueryParam("partition") Integer partition,
                              @QueryParam("offset") Long offset) {
        if (partition == null || offset == null || partition < 0 || offset < 0) {
            return Problem.of(ErrorCode.INVALID_ARGUMENT, "partition and offset of the upload are required (the feed gives them)");
        }
        try {
            quotas.thumbnail(identity.getPrincipal().getName());
            return local.require().thumbnails().render(contentId, partition, offset, THUMBNAIL_SIDE)
                    .map(jpeg -> Response.ok(jpeg, "image/jpeg").header("Cache-Control", "no-store, private").build())
                    .orElseGet(() -> Problem.of(ErrorCode.THUMBNAIL_UNAVAILABLE, "no upload of '" + contentId + "' at partition "
                            + partition + " offset " + offset + " (gone from the topic, or another content's)"));
        } catch (ClipGuardException e) {
            return Problem.of(e.code(), e.getMessage());
        }
    }

}
