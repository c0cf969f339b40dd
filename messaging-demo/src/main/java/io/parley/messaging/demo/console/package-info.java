/** The console: commands typed at a terminal or read from a script, and where events are printed. */
package io.parley.messaging.demo.console;
