package io.warden.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.AutoComplete;

/** The completion script the build writes (target/warden_completion) knows every command and subcommand. */
class CompletionTest {

    @Test
    void scriptNamesEveryCommand() {
        StringWriter sink = new StringWriter();
        Context ctx = new Context(Map.of(), System.in, new PrintWriter(sink), new PrintWriter(sink));
        String script = AutoComplete.bash("warden", Warden.commandLine(ctx));
        for (String word : new String[] {"token", "session-key", "policy", "servers", "grants", "policies", "tools",
            "approvals", "recommend", "rotate", "push", "pull", "approve", "--output"}) {
            assertTrue(script.contains(word), word);
        }
    }

    @Test
    void generateCompletionCommandPrintsTheScript() {
        CliRun r = CliRun.run("generate-completion");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("complete -F _complete_warden"), r.out().substring(0, Math.min(300, r.out().length())));
    }
}
