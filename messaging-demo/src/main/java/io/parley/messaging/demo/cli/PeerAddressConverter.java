package io.parley.messaging.demo.cli;

import io.parley.messaging.PeerAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code --peer ID=HOST:PORT}, with the library's own one-sentence reason when it is malformed. */
final class PeerAddressConverter implements ITypeConverter<PeerAddress> {

    @Override
    public PeerAddress convert(String value) {
        try {
            return PeerAddress.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage() + "; for example n2=127.0.0.1:7002");
        }
    }
}
