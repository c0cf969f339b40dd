package io.parley.messaging.demo.cli;

import io.parley.messaging.Node;
import io.parley.messaging.NodeId;
import io.parley.messaging.Tls;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The TLS options of the commands that run nodes over the network ({@code node}, {@code bench}). */
public final class TlsOptions {

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "TLS on every connection: the node's certificate chain (PEM), which must name its id "
                    + "(DNS subject alternative name, or CN). Needs --tls-key and --tls-ca.")
    Path cert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "The private key of --tls-cert (PEM, PKCS#8, unencrypted).")
    Path key;

    @Option(names = "--tls-ca", paramLabel = "FILE", description = "The CA certificates (PEM) that sign the cluster's nodes.")
    Path ca;

    public boolean given() {
        return cert != null || key != null || ca != null;
    }

    /**
     * The settings, loaded once for each of {@code ids} so that a file that cannot be used, or a certificate that
     * does not name one of them, is a bad argument; null without the options.
     */
    public Tls toTls(CommandSpec spec, boolean mutual, List<NodeId> ids) {
        if (!given()) {
            return null;
        }
        if (cert == null || key == null || ca == null) {
            throw new ParameterException(spec.commandLine(), "TLS needs all of --tls-cert, --tls-key and --tls-ca");
        }
        Tls tls = Tls.builder().keyPair(cert, key).trustedCertificates(ca).mutualAuthentication(mutual).build();
        for (NodeId id : ids) {
            try {
                Node.builder().id(id).tls(tls).build();
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--tls-*: " + e.getMessage());
            }
        }
        return tls;
    }
}
