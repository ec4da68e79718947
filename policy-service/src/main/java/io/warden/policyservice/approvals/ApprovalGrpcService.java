package io.warden.policyservice.approvals;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRef;
import io.warden.api.approval.v1.ApprovalRequest;
import io.warden.api.approval.v1.ApprovalService;
import io.warden.api.approval.v1.ConsumeReply;
import io.warden.api.approval.v1.ConsumeRequest;
import io.warden.api.approval.v1.UserAnswer;
import io.warden.api.approval.v1.WatchApprovalsRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The gateways' side of approvals (warden/approval/v1/approval.proto), behind the gateway key like the snapshot
 * stream ({@code GatewayKeyInterceptor} is global). Every input is checked here; a wrong one is INVALID_ARGUMENT
 * naming the field. The JDBC work runs on worker threads ({@link Blocking}).
 */
@GrpcService
public class ApprovalGrpcService implements ApprovalService {
    /** Decisions a Watch stream may hold for a gateway that reads slowly; past that it fails and the gateway reconnects. */
    static final int BUFFERED_DECISIONS = 10_000;
    private static final Pattern DIGEST = Pattern.compile("hmac-sha256:[0-9a-f]{64}");
    private static final int MAX_KEYS = 1000;
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ApprovalManager approvals;
    private final ApprovalFeed feed;
    private final WebhookDelivery webhook;

    public ApprovalGrpcService(ApprovalManager approvals, ApprovalFeed feed, WebhookDelivery webhook) {
        this.approvals = approvals;
        this.feed = feed;
        this.webhook = webhook;
    }

    @Override
    @Blocking
    public Uni<Approval> request(ApprovalRequest r) {
        return Uni.createFrom().item(() -> open(r));
    }

    @Override
    @Blocking
    public Uni<Approval> get(ApprovalRef ref) {
        return Uni.createFrom().item(() -> approvals.get(ref.getId())
                .map(io.warden.policyservice.approvals.Approval::proto).orElseThrow(() -> notFound(ref.getId())));
    }

    @Override
    @Blocking
    public Uni<ConsumeReply> consume(ConsumeRequest r) {
        return Uni.createFrom().item(() -> spend(r));
    }

    @Override
    @Blocking
    public Uni<Approval> answerAsUser(UserAnswer a) {
        return Uni.createFrom().item(() -> answer(a));
    }

    @Override
    public Multi<Approval> watch(WatchApprovalsRequest request) {
        return Multi.createFrom().<Approval>emitter(feed::add, BUFFERED_DECISIONS);
    }

    private Approval open(ApprovalRequest r) {
        List<String> problems = new ArrayList<>();
        text(problems, "gateway_id", r.getGatewayId(), 1, 200);
        text(problems, "request_id", r.getRequestId(), 0, 200);
        text(problems, "grant_id", r.getGrantId(), 1, 200);
        text(problems, "grant_label", r.getGrantLabel(), 0, 200);
        callFields(problems, r.getServer(), r.getTool(), r.getArgumentDigest());
        if (r.getArgumentKeysCount() > MAX_KEYS) {
            problems.add("argument_keys: at most " + MAX_KEYS);
        } else if (new HashSet<>(r.getArgumentKeysList()).size() != r.getArgumentKeysCount()) {
            problems.add("argument_keys: duplicates");
        } else if (r.getArgumentKeysList().stream().anyMatch(k -> k.length() > 200)) {
            problems.add("argument_keys: each at most 200 characters");
        }
        if (!r.getArgumentsJson().isEmpty() && !isJsonObject(r.getArgumentsJson())) {
            problems.add("arguments_json: must be empty or a JSON object");
        }
        text(problems, "policy_id", r.getPolicyId(), 1, 200);
        if (r.getPolicyVersion() < 0) {
            problems.add("policy_version: must be >= 0");
        }
        text(problems, "rule", r.getRule(), 1, 500);
        text(problems, "reason", r.getReason(), 0, 2000);
        if (r.getTimeoutMillis() < 0) {
            problems.add("timeout_millis: must be >= 0 (0: the default timeout)");
        }
        if (r.getApprover() == io.warden.api.approval.v1.Approver.UNRECOGNIZED) {
            problems.add("approver: unknown value");
        }
        refuseIf(problems);
        ApprovalManager.Opened opened = approvals.open(new ApprovalManager.Ask(r.getGatewayId(), r.getRequestId(),
                r.getGrantId(), r.getGrantLabel(), r.getServer(), r.getTool(), r.getArgumentDigest(),
                List.copyOf(r.getArgumentKeysList()), r.getArgumentsJson(), r.getPolicyId(), r.getPolicyVersion(),
                r.getRule(), r.getReason(), r.getTimeoutMillis(), Approver.of(r.getApprover())));
        if (opened.created()) {
            webhook.wake();
        }
        return opened.approval().proto();
    }

    private ConsumeReply spend(ConsumeRequest r) {
        List<String> problems = new ArrayList<>();
        text(problems, "id", r.getId(), 1, 200);
        text(problems, "grant_id", r.getGrantId(), 1, 200);
        callFields(problems, r.getServer(), r.getTool(), r.getArgumentDigest());
        text(problems, "gateway_id", r.getGatewayId(), 0, 200);
        refuseIf(problems);
        ApprovalManager.Spend spend = approvals.consume(r.getId(), r.getGrantId(), r.getServer(), r.getTool(),
                r.getArgumentDigest(), r.getGatewayId());
        ConsumeReply.Builder reply = ConsumeReply.newBuilder().setConsumed(spend.consumed())
                .setRefusal(spend.refusal());
        if (spend.state() != null) {
            reply.setState(spend.state().proto());
        }
        return reply.build();
    }

    private Approval answer(UserAnswer a) {
        List<String> problems = new ArrayList<>();
        text(problems, "id", a.getId(), 1, 200);
        text(problems, "grant_id", a.getGrantId(), 1, 200);
        text(problems, "comment", a.getComment(), 0, 2000);
        refuseIf(problems);
        ApprovalManager.Decision d = approvals.answerAsUser(a.getId(), a.getGrantId(), a.getApprove(),
                a.getComment());
        if (d.decided()) {
            return d.approval().orElseThrow().proto();
        }
        throw switch (d.refusal()) {
            case NOT_FOUND -> notFound(a.getId());
            case NOT_FOR_USER -> Status.FAILED_PRECONDITION.withDescription("approval " + a.getId()
                    + " waits for an operator: its rule does not let the user decide").asRuntimeException();
            case NOT_PENDING -> Status.FAILED_PRECONDITION.withDescription("approval " + a.getId() + " is already "
                    + d.approval().orElseThrow().state().wire()).asRuntimeException();
        };
    }

    private static void callFields(List<String> problems, String server, String tool, String digest) {
        text(problems, "server", server, 1, 200);
        text(problems, "tool", tool, 1, 200);
        if (!digest.isEmpty() && !DIGEST.matcher(digest).matches()) {
            problems.add("argument_digest: \"hmac-sha256:\" + 64 lowercase hex digits, or empty for no arguments");
        }
    }

    private static void text(List<String> problems, String field, String value, int min, int max) {
        if (value.length() < min || (min > 0 && value.isBlank())) {
            problems.add(field + ": required");
        } else if (value.length() > max) {
            problems.add(field + ": at most " + max + " characters");
        }
    }

    private static void refuseIf(List<String> problems) {
        if (!problems.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription(String.join("; ", problems)).asRuntimeException();
        }
    }

    private static boolean isJsonObject(String json) {
        try {
            JsonNode node = STRICT.readTree(json);
            return node != null && node.isObject();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static io.grpc.StatusRuntimeException notFound(String id) {
        return Status.NOT_FOUND.withDescription("no approval '" + (id.length() > 64 ? id.substring(0, 64) : id) + "'")
                .asRuntimeException();
    }
}
