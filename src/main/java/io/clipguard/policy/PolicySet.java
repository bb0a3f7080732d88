package io.clipguard.policy;


/**
 * What scores one record: the enforced version and, optionally, a shadow version scored
 * beside it and never enforced. Swapped whole, so a record sees exactly one pair.
 */
public record PolicySet(ScoringPolicy active, ScoringPolicy shadow) {
}
