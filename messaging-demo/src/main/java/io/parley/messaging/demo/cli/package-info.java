/**
 * The commands {@code local}, {@code node}, {@code history} and {@code health}, their option and argument types,
 * logging as they set it up, and {@link io.parley.messaging.demo.cli.NodeHost}, which hosts the nodes a command runs.
 */
package io.parley.messaging.demo.cli;
