package io.clipguard.clip;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Turns a provider request ({@code auto | cpu | cuda[:N] | tensorrt[:N]}) into session
 * options. {@code auto} takes CUDA when this build and host offer it, else the CPU; an
 * explicit request that cannot be met is an error, never a silent fallback.
 */
final class ExecutionProviders {
    private static final Logger LOG = Logger.getLogger(ExecutionProviders.class.getName());
    /** Set once {@code auto} found CUDA in the build but could not start it and chose the CPU. */
    static final AtomicBoolean FELL_BACK = new AtomicBoolean();
    /** Devices CUDA failed to start on: tried once per process, not once per session (each try logs a native error). */
    private static final Set<Integer> CUDA_FAILED = ConcurrentHashMap.newKeySet();

    private ExecutionProviders() {
    }

    /** Configures {@code options} and returns the name of the provider that will run the model. */
    static String configure(SessionOptions options, String request) {
        return configure(options, request, OrtEnvironment.getAvailableProviders());
    }

    static String configure(SessionOptions options, String request, EnumSet<OrtProvider> available) {
        String kind = request.contains(":") ? request.substring(0, request.indexOf(':')) : request;
        int device = deviceIndex(request);
        try {
            switch (kind) {
                case "cpu" -> {
                    return "cpu";
                }
                case "auto" -> {
                    if (available.contains(OrtProvider.CUDA) && !CUDA_FAILED.contains(device)) {
                        try {
                            options.addCUDA(device);
                            LOG.info("execution provider: cuda:" + device);
                            return "cuda:" + device;
                        } catch (OrtException e) {
                            LOG.warning("CUDA provider present but failed to start (" + e.getMessage() + "); using cpu");
                            FELL_BACK.set(true);
                            CUDA_FAILED.add(device);
                        }
                    }
                    LOG.info("execution provider: cpu");
                    return "cpu";
                }
                case "cuda" -> {
                    require(available, OrtProvider.CUDA, request);
                    options.addCUDA(device);
                    return "cuda:" + device;
                }
                case "tensorrt" -> {
                    require(available, OrtProvider.TENSOR_RT, request);
                    options.addTensorrt(device);
                    options.addCUDA(device);
                    return "tensorrt:" + device;
                }
                default -> throw new ClipGuardException(ErrorCode.PROVIDER_UNAVAILABLE,
                        "unknown execution provider '" + request + "' (expected auto, cpu, cuda[:N] or tensorrt[:N])");
            }
        } catch (OrtException e) {
            throw new ClipGuardException(ErrorCode.PROVIDER_UNAVAILABLE,
                    "execution provider '" + request + "' failed to start: " + e.getMessage(), e);
        }
    }

    private static void require(EnumSet<OrtProvider> available, OrtProvider provider, String request) {
        if (!available.contains(provider)) {
            throw new ClipGuardException(ErrorCode.PROVIDER_UNAVAILABLE, "execution provider '" + request
                    + "' is not available in this ONNX Runtime build (available: " + available
                    + "); the default build has CUDA and needs CUDA 12 and cuDNN 9 on the host, -Pcpu builds without it");
        }
    }

    private static int deviceIndex(String request) {
        int colon = request.indexOf(':');
        if (colon < 0) {
            return 0;
        }
        try {
            return Integer.parseInt(request.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ClipGuardException(ErrorCode.PROVIDER_UNAVAILABLE, "bad device index in '" + request + "'");
        }
    }
}
