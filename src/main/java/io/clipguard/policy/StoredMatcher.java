package io.clipguard.policy;

import io.clipguard.pdq.PdqHash;
import java.util.List;

/**
 * What a backtest asks of the banks for one stored upload: its matches in the banks
 * {@code policy} declares. A stored upload keeps its upright PDQ hash (null before schema
 * release v6) and its embedding, so a backtest compares those; live traffic also tries the
 * seven turns and flips of the hash, which a hash alone cannot give back.
 */
@FunctionalInterface
public interface StoredMatcher {
    /** For deployments without banks: nothing ever matches. */
    StoredMatcher NONE = (policy, hash, embedding) -> List.of();

    List<BankHit> match(Policy policy, PdqHash hash, float[] embedding);
}
