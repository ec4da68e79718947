package io.warden.policyservice.grants;

/** The answer that mints or rotates a grant: the only time its token is ever shown. */
public record MintedGrant(GrantView grant, String token) {
    @Override
    public String toString() {
        return "MintedGrant[" + grant.id() + "]";
    }
}
