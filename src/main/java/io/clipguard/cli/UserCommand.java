package io.clipguard.cli;

import io.clipguard.api.security.UserFile;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code clipguard user ...}: the local user file of the embedded default. */
@Command(name = "user", mixinStandardHelpOptions = true, description = "Manage the local users of the policy API and editor.",
        subcommands = {UserCommand.Add.class})
class UserCommand {

    /** {@code clipguard user add NAME --role R...}: the password comes from CLIPGUARD_PASSWORD or the first line of stdin. */
    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add or replace a user; the password is read from env CLIPGUARD_PASSWORD or the first line of stdin.")
    static class Add implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "User name.")
        String name;

        @Option(names = "--role", required = true, description = "viewer, editor, publisher, reviewer, banker or service; editor and publisher "
                + "may be scoped to a policy (editor@POLICY-ID); repeat for several.")
        List<String> roles;

        @Option(names = "--file", description = "The users file (default: the setting clipguard.users.file, env CLIPGUARD_USERS_FILE).")
        Path file;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            // A secret is an input of this command, never a setting: it is not read from files or logged.
            String password = System.getenv("CLIPGUARD_PASSWORD");
            if (password == null || password.isEmpty()) {
                password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            }
            if (password == null || password.isEmpty()) {
                throw new ClipGuardException(ErrorCode.PASSWORD_MISSING, "give the password in CLIPGUARD_PASSWORD or on stdin");
            }
            Path target = file != null ? file : Settings.load(Map.of()).app().users().file();
            UserFile.put(target, name, password.toCharArray(), new LinkedHashSet<>(roles));
            spec.commandLine().getOut().println("user " + name + " " + roles + " written to " + target);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
