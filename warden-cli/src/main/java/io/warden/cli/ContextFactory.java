package io.warden.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * Creates commands, handing the {@link Context} to those whose constructor takes one. The no-argument constructor
 * (the process's own environment and streams) is for picocli's completion generator, run by the build.
 */
public final class ContextFactory implements CommandLine.IFactory {
    private final Context ctx;

    public ContextFactory() {
        this(system());
    }

    public ContextFactory(Context ctx) {
        this.ctx = ctx;
    }

    static Context system() {
        return new Context(System.getenv(), System.in,
                new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
        Constructor<K> c;
        try {
            c = cls.getDeclaredConstructor(Context.class);
        } catch (NoSuchMethodException e) {
            return CommandLine.defaultFactory().create(cls);
        }
        c.setAccessible(true);
        return c.newInstance(ctx);
    }
}
