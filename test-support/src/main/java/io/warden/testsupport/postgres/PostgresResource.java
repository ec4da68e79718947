package io.warden.testsupport.postgres;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code @QuarkusTestResource(PostgresResource.class)}: a private PostgreSQL with a fresh database for the
 * test run. Init args ({@code @ResourceArg}): {@code database} (default {@code warden}) and {@code datasource}:
 * {@code jdbc}, {@code reactive} or {@code both} (default), choosing which {@code quarkus.datasource.*} URLs to
 * set, so that a module without one of the two clients gets no unknown-key warning.
 *
 * <p>Config it sets: {@code quarkus.datasource.db-kind}, {@code .username}, {@code .password},
 * {@code quarkus.datasource.jdbc.url} and/or {@code quarkus.datasource.reactive.url}, and always
 * {@code warden.test.postgres-jdbc-url} and {@code warden.test.postgres-reactive-url}. A test field of type
 * {@link PostgresServer} is injected.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {
    private PostgresServer postgres;
    private String database = "warden";
    private String datasource = "both";

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault("database", database);
        datasource = initArgs.getOrDefault("datasource", datasource);
        if (!datasource.matches("jdbc|reactive|both")) {
            throw new IllegalArgumentException("PostgresResource datasource must be jdbc, reactive or both, not "
                    + datasource);
        }
    }

    @Override
    public Map<String, String> start() {
        postgres = PostgresServer.launch();
        if (!database.equals("postgres")) {
            postgres.createDatabase(database);
        }
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.db-kind", "postgresql");
        config.put("quarkus.datasource.username", postgres.username());
        config.put("quarkus.datasource.password", postgres.password());
        if (!datasource.equals("reactive")) {
            config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl(database));
        }
        if (!datasource.equals("jdbc")) {
            config.put("quarkus.datasource.reactive.url", postgres.reactiveUrl(database));
        }
        config.put("warden.test.postgres-jdbc-url", postgres.jdbcUrl(database));
        config.put("warden.test.postgres-reactive-url", postgres.reactiveUrl(database));
        return config;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(postgres, new TestInjector.MatchesType(PostgresServer.class));
    }

    @Override
    public void stop() {
        if (postgres != null) {
            postgres.close();
        }
    }
}
