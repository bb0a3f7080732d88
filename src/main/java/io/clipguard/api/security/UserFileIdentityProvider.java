package io.clipguard.api.security;

import io.clipguard.config.ClipGuardConfig;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.UsernamePasswordAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HTTP Basic logins against the local {@link UserFile} (the embedded default; production
 * uses OIDC/JWT, see docs/operators.md). PBKDF2 is slow on purpose, and Basic sends credentials on
 * every request, so a verified login is remembered for five minutes under a keyed hash of
 * name and password (never the password itself); editing the file forgets them all. Unknown
 * users cost what known ones do; failed logins are throttled per user and per address
 * ({@link LoginThrottle}); a password hashed with fewer iterations than today's is re-hashed
 * at its next login.
 */
@ApplicationScoped
public class UserFileIdentityProvider implements IdentityProvider<UsernamePasswordAuthenticationRequest> {
    private static final Logger LOG = Logger.getLogger(UserFileIdentityProvider.class.getName());
    private static final long REMEMBER_NANOS = 5L * 60 * 1_000_000_000L;

    @Inject
    ClipGuardConfig config;

    private final byte[] cacheKey = new SecureRandom().generateSeed(32);
    private final Map<String, Remembered> verified = new ConcurrentHashMap<>();
    private volatile FileTime loadedStamp;
    private volatile Map<String, UserFile.User> users = Map.of();

    private record Remembered(Set<String> roles, long until) {
    }

    @Override
    public Class<UsernamePasswordAuthenticationRequest> getRequestType() {
        return UsernamePasswordAuthenticationRequest.class;
    }

    private volatile LoginThrottle throttle;

    @Override
    public Uni<SecurityIdentity> authenticate(UsernamePasswordAuthenticationRequest request, AuthenticationRequestContext context) {
        String address = clientAddress(request);
        return context.runBlocking(() -> {
            String name = request.getUsername();
            char[] password = request.getPassword().getPassword();
            // A login verified in the last minutes costs no hash: past the limits' check it needs no
            // admission (the dashboard sends Basic credentials with each of its parallel requests).
            throttle().check(name, address);
            Optional<Set<String>> remembered = remembered(name, password);
            if (remembered.isPresent()) {
                return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(name)).addRoles(Roles.expand(remembered.get())).build();
            }
            try (LoginThrottle.Attempt attempt = throttle().reserve(name, address)) {
                Optional<Set<String>> roles = roles(name, password);
                if (roles.isEmpty()) {
                    throw new AuthenticationFailedException();
                }
                attempt.succeeded();
                return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(name)).addRoles(Roles.expand(roles.get())).build();
            }
        });
    }

    private synchronized LoginThrottle throttle() {
        if (throttle == null) {
            ClipGuardConfig.Users u = config.users();
            throttle = new LoginThrottle(u.failedLoginsPerUser(), u.failedLoginsPerAddress(), u.failedLoginWindow(), java.time.Clock.systemUTC());
        }
        return throttle;
    }

    /** The client's address, as the HTTP layer saw it (a proxy's own address, unless Quarkus is told to trust forwarding headers). */
    private static String clientAddress(UsernamePasswordAuthenticationRequest request) {
        io.vertx.ext.web.RoutingContext rc = io.quarkus.vertx.http.runtime.security.HttpSecurityUtils.getRoutingContextAttribute(request);
        return rc == null || rc.request().remoteAddress() == null ? null : rc.request().remoteAddress().hostAddress();
    }

    /** The path logins are checked against (the demo creates it when missing). */
    public Path usersFile() {
        return config.users().file();
    }

    /** The roles of a login verified in the last five minutes with this very password; empty otherwise. */
    private Optional<Set<String>> remembered(String name, char[] password) {
        reloadIfChanged();
        Remembered r = verified.get(fingerprint(name, password));
        return r != null && r.until() > System.nanoTime() ? Optional.of(r.roles()) : Optional.empty();
    }

    private Optional<Set<String>> roles(String name, char[] password) {
        String key = fingerprint(name, password);
        Optional<Set<String>> roles = UserFile.authenticate(users, name, password);
        roles.ifPresent(set -> verified.put(key, new Remembered(set, System.nanoTime() + REMEMBER_NANOS)));
        if (roles.isPresent() && PasswordHash.outdated(users.get(name).passwordHash())) {
            try {
                UserFile.rehash(usersFile(), name, password);
                LOG.info("re-hashed the password of " + name + " with " + PasswordHash.ITERATIONS + " iterations");
            } catch (IOException e) {
                LOG.warning("could not re-hash the password of " + name + ": " + e.getMessage());
            }
        }
        return roles;
    }

    private synchronized void reloadIfChanged() {
        try {
            FileTime stamp = Files.exists(usersFile()) ? Files.getLastModifiedTime(usersFile()) : FileTime.fromMillis(0);
            if (!stamp.equals(loadedStamp)) {
                users = UserFile.read(usersFile());
                verified.clear();
                loadedStamp = stamp;
            }
        } catch (IOException e) {
            LOG.warning("users file unreadable, nobody can log in: " + e.getMessage());
            users = Map.of();
            verified.clear();
        }
    }

    private String fingerprint(String name, char[] password) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(cacheKey, "HmacSHA256"));
            mac.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(new String(password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
