package io.picflow.platform.privacy;

import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Personal data and erasure, on both sides (ADR 0011): user keys, the erased subjects, and their 410. */
@Configuration(proxyBeanMethods = false)
@Import({UserKeys.class, PersonalData.class, ErasedUsers.class})
public class PrivacyConfiguration implements WebMvcConfigurer {

    private final ErasedUsers erasedUsers;

    PrivacyConfiguration(ErasedUsers erasedUsers) {
        this.erasedUsers = erasedUsers;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new ErasedSubjects(erasedUsers)).addPathPatterns("/api/**").excludePathPatterns("/api/dev/**");
    }
}
