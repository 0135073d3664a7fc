package io.picflow.platform.diagnostics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Counts the database transactions this process runs, by the kind of thread that ran them (a processor's work
 * package, its coordinator, the event store's reader, a request...), as {@code picflow_db_transactions_total{source}}:
 * each commit, and each statement run outside a transaction (autocommit, a transaction of its own). Off by default
 * ({@code picflow.diagnostics.count-transactions}); the benchmarks turn it on to show where the commits go (ADR 0014).
 *
 * <p>Why not PostgreSQL's own counters: PostgreSQL 14 sends a backend's statistics to {@code pg_stat_database} at most
 * every 500 ms, and a backend that goes idle keeps what it has not sent until its next transaction, which in a
 * quiet pool can be minutes away. These counters are exact at every instant.
 */
public final class TransactionCounting implements BeanPostProcessor {

    /** Digits in thread names (pool numbers, segment numbers, ports) say nothing about the kind of work. */
    private static final Pattern DIGITS = Pattern.compile("\\d+");

    private final ObjectProvider<MeterRegistry> registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public TransactionCounting(ObjectProvider<MeterRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof DataSource dataSource && !Proxy.isProxyClass(bean.getClass())) {
            return proxy(DataSource.class, dataSource, (method, result) -> result instanceof Connection connection
                    ? counted(connection) : result);
        }
        return bean;
    }

    private Connection counted(Connection connection) {
        return proxy(Connection.class, connection, (method, result) -> {
            if (method.getName().equals("commit")) {
                count();
            }
            return result instanceof Statement statement ? counted(connection, statement) : result;
        });
    }

    private Statement counted(Connection connection, Statement statement) {
        List<Class<?>> types = new ArrayList<>(List.of(Statement.class));
        if (statement instanceof PreparedStatement) {
            types.add(PreparedStatement.class);
        }
        if (statement instanceof CallableStatement) {
            types.add(CallableStatement.class);
        }
        return (Statement) Proxy.newProxyInstance(getClass().getClassLoader(), types.toArray(Class<?>[]::new), (self, method, args) -> {
            if (method.getName().startsWith("execute") && connection.getAutoCommit()) {
                count();
            }
            return invoke(statement, method, args);
        });
    }

    private void count() {
        String source = DIGITS.matcher(Thread.currentThread().getName()).replaceAll("N");
        counters.computeIfAbsent(source, name -> Counter.builder("picflow.db.transactions")
                .description("Database transactions (commits and autocommit statements) by the kind of thread that ran them")
                .tag("source", name).register(registry.getObject())).increment();
    }

    private interface AfterCall {
        Object apply(Method method, Object result) throws Exception;
    }

    /** {@code unwrap} and {@code isWrapperFor} reach the target itself: callers that ask for the pool get the pool. */
    @SuppressWarnings("unchecked")
    private <T> T proxy(Class<T> type, T target, AfterCall after) {
        return (T) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            Object result = invoke(target, method, args);
            return method.getName().equals("unwrap") || method.getName().equals("isWrapperFor") ? result : after.apply(method, result);
        });
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
