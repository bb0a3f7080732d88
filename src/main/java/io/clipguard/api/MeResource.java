package io.clipguard.api;

import io.clipguard.api.security.Roles;
import io.clipguard.app.LocalNode;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import java.util.TreeSet;

/** {@code GET /me}: who is logged in and with which roles (the editor shows controls by role). */
@Path("/me")
public class MeResource {
    @Inject
    SecurityIdentity identity;

    @Inject
    LocalNode node;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.VIEWER, Roles.EDITOR, Roles.PUBLISHER, Roles.REVIEWER})
    public Map<String, Object> me() {
        boolean twoPerson = node.get().map(n -> n.policies().writer().twoPersonRule()).orElse(false);
        return Map.of("user", identity.getPrincipal().getName(), "roles", new TreeSet<>(identity.getRoles()),
                "twoPersonRule", twoPerson);
    }
}
