package io.warden.policyservice.crypto;

import io.warden.policyservice.security.CurrentCaller;
import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/admin/re-encrypt")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Key rotation")
@Requires(Role.ADMIN)
public class ReEncryptionResource {
    private final ReEncryption reEncryption;
    private final CurrentCaller caller;

    public ReEncryptionResource(ReEncryption reEncryption, CurrentCaller caller) {
        this.reEncryption = reEncryption;
        this.caller = caller;
    }

    @POST
    @Operation(summary = "Re-encrypt every secret sealed with an older key version under the active one")
    public ReEncryption.Report run() {
        return reEncryption.run(caller.get());
    }
}
