// The JDK's own HTTP client (java.net.http.HttpClient, what Spring AI and LangChain4j use by
// default) talking to a running oaimock. The client is built with version HTTP_2, so on an http://
// URL it sends its first requests as HTTP/1.1 with `Connection: Upgrade, HTTP2-Settings`,
// `Upgrade: h2c` and the body framed by Content-Length. oaimock must answer them as plain HTTP/1.1
// (no 101 Switching Protocols); a server that treats the upgrade request's body as "the rest of
// the connection" waits for an EOF the client never sends, and every check below times out.
//
// No dependencies beyond the JDK: compile with `javac -d DIR ChatClient.java`, run with
// `java -cp DIR ChatClient http://127.0.0.1:PORT`. Prints `N passed, 0 failed` and exits 0 when
// every check holds; otherwise prints each failed check's expected and actual value, then
// `X passed, Y failed`, and exits 1.

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

public class ChatClient {
    static final String MODEL = "gpt-4o-mini";
    static final String PROMPT = "hello from the JVM";
    static final String ECHO =
            "As a mock AI Assistant, I can only echo your last message: " + PROMPT;
    // Each request must be answered (headers received) within this; three of them stay under the
    // `timeout 60` that tests/jvm/run puts around the whole program.
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    // `"content":"..."`; the group keeps the JSON string's escapes (backslash-quote,
    // backslash-backslash, backslash-u and so on) for unescape() to decode.
    static final Pattern CONTENT = Pattern.compile("\"content\":\"((?:[^\"\\\\]|\\\\.)*)\"");

    static int passed = 0;
    static int failed = 0;

    static void check(String what, boolean ok, Object expected, Object got) {
        if (ok) {
            passed++;
            System.out.println("ok   " + what);
        } else {
            failed++;
            System.out.println("FAIL " + what);
            System.out.println("     expected: " + expected);
            System.out.println("     got:      " + got);
        }
    }

    static void checkEquals(String what, Object expected, Object got) {
        check(what, expected.equals(got), expected, got);
    }

    static void checkContains(String what, String haystack, String needle) {
        check(what, haystack.contains(needle), "a body containing " + needle, haystack);
    }

    static String chatBody(boolean stream) {
        return "{\"model\":\"" + MODEL + "\","
                + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
    }

    static HttpRequest chatRequest(String base, boolean stream) {
        return HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer sk-jvm-test")
                .POST(HttpRequest.BodyPublishers.ofString(chatBody(stream)))
                .build();
    }

    /** Decodes the inside of a JSON string literal. */
    static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                out.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n': out.append('\n'); break;
                case 't': out.append('\t'); break;
                case 'r': out.append('\r'); break;
                case 'b': out.append('\b'); break;
                case 'f': out.append('\f'); break;
                case 'u':
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                    break;
                default: out.append(e); // \" \\ \/
            }
        }
        return out.toString();
    }

    static void plain(HttpClient client, String base, String label) throws Exception {
        HttpResponse<String> response =
                client.send(chatRequest(base, false), HttpResponse.BodyHandlers.ofString());
        System.out.println(label + ": " + response.version() + " " + response.statusCode()
                + ", Connection: " + response.headers().firstValue("connection").orElse("(none)"));
        String body = response.body();
        checkEquals(label + ": status", 200, response.statusCode());
        checkEquals(label + ": HTTP version", HttpClient.Version.HTTP_1_1, response.version());
        checkContains(label + ": echoed content", body, "\"content\":\"" + ECHO + "\"");
        checkContains(label + ": object", body, "\"object\":\"chat.completion\"");
    }

    static void streamed(HttpClient client, String base, String label) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> response =
                client.send(chatRequest(base, true), HttpResponse.BodyHandlers.ofLines());
        System.out.println(label + ": " + response.version() + " " + response.statusCode()
                + ", Connection: " + response.headers().firstValue("connection").orElse("(none)"));
        List<String> data;
        try (java.util.stream.Stream<String> lines = response.body()) {
            data = lines.filter(l -> l.startsWith("data: "))
                    .map(l -> l.substring("data: ".length()))
                    .collect(Collectors.toList());
        }
        checkEquals(label + ": status", 200, response.statusCode());
        checkEquals(label + ": HTTP version", HttpClient.Version.HTTP_1_1, response.version());
        checkContains(label + ": content type",
                response.headers().firstValue("content-type").orElse(""), "text/event-stream");

        StringBuilder joined = new StringBuilder();
        int contentChunks = 0;
        for (String chunk : data) {
            if (chunk.equals("[DONE]")) {
                continue;
            }
            Matcher m = CONTENT.matcher(chunk);
            if (m.find()) {
                String delta = unescape(m.group(1));
                if (!delta.isEmpty()) {
                    contentChunks++;
                    joined.append(delta);
                }
            }
        }
        checkEquals(label + ": joined deltas", ECHO, joined.toString());
        checkEquals(label + ": last data line", "[DONE]",
                data.isEmpty() ? "(no data lines)" : data.get(data.size() - 1));
        check(label + ": more than one content chunk", contentChunks > 1,
                "more than 1", contentChunks);
    }

    interface Step {
        void run() throws Exception;
    }

    static void step(String label, Step body) {
        try {
            body.run();
        } catch (Exception e) {
            check(label + ": request completes", false, "a response", e.toString());
        }
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: java ChatClient BASE_URL   (e.g. http://127.0.0.1:8000)");
            System.exit(2);
        }
        String base = args[0].replaceAll("/+$", "");
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        System.out.println("client prefers " + client.version() + "; server " + base);

        step("(a) plain chat", () -> plain(client, base, "(a) plain chat"));
        step("(b) streamed chat", () -> streamed(client, base, "(b) streamed chat"));
        step("(c) plain chat again", () -> plain(client, base, "(c) plain chat again"));

        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 && passed > 0 ? 0 : 1);
    }
}
