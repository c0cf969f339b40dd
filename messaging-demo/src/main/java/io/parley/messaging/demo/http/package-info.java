/** The HTTP control API, on Javalin (Jetty 12): routes, who gets in, event streams, TLS. */
package io.parley.messaging.demo.http;
