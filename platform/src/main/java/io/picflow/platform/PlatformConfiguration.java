package io.picflow.platform;

import io.micrometer.core.instrument.MeterRegistry;
import io.picflow.platform.admin.EventBrowserConfiguration;
import io.picflow.platform.admin.ProcessingAdminConfiguration;
import io.picflow.platform.axon.AxonPostgresConfiguration;
import io.picflow.platform.diagnostics.TransactionCounting;
import io.picflow.platform.privacy.PrivacyConfiguration;
import io.picflow.platform.resilience.ResilienceConfiguration;
import io.picflow.platform.security.DevTokenController;
import io.picflow.platform.security.SecurityConfiguration;
import io.picflow.platform.upcasting.EventUpcasters;
import io.picflow.platform.web.ProblemErrorController;
import io.picflow.platform.web.ProblemHandlers;
import io.picflow.platform.web.ProblemResponseWriter;
import io.picflow.platform.web.WebConfiguration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.PropertySource;

/** What every picflow application (command side, query side, standalone) imports. */
@Configuration(proxyBeanMethods = false)
@Import({WebConfiguration.class, ProblemHandlers.class, ProblemResponseWriter.class, ProblemErrorController.class,
        SecurityConfiguration.class, DevTokenController.class, AxonPostgresConfiguration.class, EventUpcasters.class,
        EventBrowserConfiguration.class, ProcessingAdminConfiguration.class, PrivacyConfiguration.class,
        ResilienceConfiguration.class})
@PropertySource("classpath:picflow-platform.properties")
public class PlatformConfiguration {

    /** Transactions counted by the kind of thread that ran them: for the benchmarks (TransactionCounting). */
    @Bean
    @ConditionalOnProperty(name = "picflow.diagnostics.count-transactions", havingValue = "true")
    static TransactionCounting transactionCounting(ObjectProvider<MeterRegistry> registry) {
        return new TransactionCounting(registry);
    }
}
