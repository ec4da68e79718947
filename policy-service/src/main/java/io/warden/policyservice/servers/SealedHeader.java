package io.warden.policyservice.servers;

/** An upstream header as stored: the value only as a versioned AES-GCM ciphertext. */
public record SealedHeader(String serverId, String name, String ciphertext, String keyVersion) {
    @Override
    public String toString() {
        return "SealedHeader[" + serverId + " " + name + " " + keyVersion + "]";
    }
}
