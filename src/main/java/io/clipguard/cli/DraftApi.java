package io.clipguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/** Creates a draft policy version through a running instance's policy API, as an editor would from the editor page. */
final class DraftApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DraftApi() {
    }

    /** The draft's version number; its API problem (code and detail) as the command's error otherwise. */
    static int create(String api, String user, String policyId, String yaml, String reason) throws IOException, InterruptedException {
        String password = System.getenv("CLIPGUARD_PASSWORD");
        if (password == null || password.isEmpty()) {
            password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        if (user == null || password == null || password.isEmpty()) {
            throw new ClipGuardException(ErrorCode.PASSWORD_MISSING, "--draft-api needs --user and the password in CLIPGUARD_PASSWORD or on stdin");
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.replaceAll("/+$", "") + "/policies/"
                        + URLEncoder.encode(policyId, StandardCharsets.UTF_8) + "/drafts"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                .header("X-Requested-With", "clipguard-cli").header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("yaml", yaml, "reason", reason)))).build();
        HttpResponse<String> r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode body = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        if (r.statusCode() != 201) {
            ErrorCode code;
            try {
                code = ErrorCode.valueOf(body.path("code").asText("INTERNAL_ERROR"));
            } catch (IllegalArgumentException e) {
                code = ErrorCode.INTERNAL_ERROR;
            }
            throw new ClipGuardException(code, "the policy API answered " + r.statusCode() + ": " + body.path("detail").asText(r.body()));
        }
        return body.path("version").asInt();
    }
}
