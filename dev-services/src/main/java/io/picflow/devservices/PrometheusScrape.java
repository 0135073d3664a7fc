package io.picflow.devservices;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A scrape of {@code /actuator/prometheus}, read the way the metrics tests ask about it. */
public record PrometheusScrape(String text) {

    /** The values of every series of {@code metric} that carries the tag {@code tag="value"}. */
    public List<Double> values(String metric, String tag, String value) {
        Matcher series = Pattern.compile("(?m)^" + Pattern.quote(metric) + "\\{([^}]*)\\} (\\S+)$").matcher(text);
        List<Double> values = new ArrayList<>();
        while (series.find()) {
            if (series.group(1).matches("(.*,)?" + Pattern.quote(tag) + "=\"" + Pattern.quote(value) + "\"(,.*)?")) {
                values.add(Double.parseDouble(series.group(2)));
            }
        }
        return values;
    }

    /** The lines of the metrics whose names start with {@code prefix}: what a failing assertion should show. */
    public String linesStartingWith(String prefix) {
        return String.join("\n", text.lines().filter(line -> line.startsWith(prefix)).toList());
    }
}
