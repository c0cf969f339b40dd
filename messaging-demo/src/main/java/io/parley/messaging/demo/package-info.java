/**
 * The demo program: {@link io.parley.messaging.demo.ParleyDemo}, the jar's entry point, and one package per concern,
 * which depend one way: {@code cli} (the commands that run nodes, look into stores and check health) on
 * {@code console} and {@code http} (what serves the nodes); {@code bench} on {@code cli}'s TLS options; all of them
 * on {@code node} (the library's nodes as the demo runs them); and that on {@code events} (what the user is told).
 */
package io.parley.messaging.demo;
