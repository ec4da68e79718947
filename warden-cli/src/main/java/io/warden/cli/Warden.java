package io.warden.cli;

import io.warden.cli.admin.ApprovalsCommand;
import io.warden.cli.admin.GrantsCommand;
import io.warden.cli.admin.PoliciesCommand;
import io.warden.cli.admin.ServersCommand;
import io.warden.cli.admin.ToolsCommand;
import io.warden.cli.policy.PolicyCommand;
import io.warden.cli.token.SessionKeyCommand;
import io.warden.cli.token.TokenCommand;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code warden} command: the root of the tree; each feature is a subcommand in its own package. */
@Command(name = "warden", mixinStandardHelpOptions = true, versionProvider = Warden.Version.class,
        description = "Warden, the policy gateway for MCP tool calls: tokens, policies and the policy-service admin API.",
        subcommands = {TokenCommand.class, SessionKeyCommand.class, PolicyCommand.class, ServersCommand.class,
            GrantsCommand.class, PoliciesCommand.class, ToolsCommand.class, ApprovalsCommand.class,
            AutoComplete.GenerateCompletion.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done (valid policy, every case passed)",
            "1:findings (invalid policy, failing case)",
            "2:usage (bad command line, unreadable file, no API key)",
            "3:refused by policy-service (HTTP 4xx)",
            "4:policy-service failed or unreachable (HTTP 5xx, connection)"})
public final class Warden implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a command");
    }

    public static void main(String[] args) {
        System.exit(run(ContextFactory.system(), args));
    }

    /** Runs one command line and returns its exit code; never exits the JVM. */
    public static int run(Context ctx, String... args) {
        CommandLine cl = commandLine(ctx);
        int code = cl.execute(args);
        ctx.out().flush();
        ctx.err().flush();
        return code;
    }

    /** The same, with byte streams (tests). */
    public static int run(Map<String, String> env, InputStream in, PrintStream out, PrintStream err, String... args) {
        return run(new Context(env, in, new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true)), args);
    }

    /** The command tree; commands that take a {@link Context} in their constructor get this one. */
    public static CommandLine commandLine(Context ctx) {
        CommandLine cl = new CommandLine(new Warden(), new ContextFactory(ctx));
        cl.setOut(ctx.out());
        cl.setErr(ctx.err());
        cl.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            if (e instanceof CliFailure f) {
                ctx.err().println("warden: " + f.getMessage());
                return f.exitCode();
            }
            ctx.err().println("warden: unexpected failure: " + e);
            return ExitCodes.UNAVAILABLE;
        });
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Warden.class.getPackage().getImplementationVersion();
            return new String[] {"warden " + (v == null ? "(development build)" : v)};
        }
    }
}
