package io.clipguard.testing;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Awaitility checks a condition first after one poll interval unless a poll delay is given: a
 * wait that is already satisfied still costs its interval (half a second for each of the sixty
 * lookups of the crash test's last step). Every test JVM checks at once instead; registered in
 * {@code META-INF/services}, so each test fork applies it before its first test.
 */
public final class AwaitDefaults implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        Awaitility.setDefaultPollDelay(Duration.ZERO);
    }
}
