package io.clipguard.fetch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * What image references may be fetched.
 *
 * @param allowedHosts          exact host names (lower case) http(s) fetches may reach; empty = none
 * @param allowPrivateAddresses allow loopback/private/link-local targets (tests, on-premises stores)
 * @param fileRoot              directory {@code file://} references are confined to; null = file:// refused
 */
public record FetchSettings(Set<String> allowedHosts, boolean allowPrivateAddresses, Duration connectTimeout,
                            Duration readTimeout, long maxBytes, int maxRedirects, Path fileRoot) {

    /** Nothing fetchable: inline images only. */
    public static FetchSettings inlineOnly() {
        return new FetchSettings(Set.of(), false, Duration.ofSeconds(2), Duration.ofSeconds(5), 20L << 20, 3, null);
    }
}
