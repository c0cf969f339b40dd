/** The HTTP control API, on the JDK's HTTP server. */
package io.parley.messaging.demo.http;
