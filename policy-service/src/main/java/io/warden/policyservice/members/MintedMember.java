package io.warden.policyservice.members;

/** The answer that creates a member: the only time the API key is ever shown. */
public record MintedMember(MemberView member, String key) {
    @Override
    public String toString() {
        return "MintedMember[" + member.id() + "]";
    }
}
