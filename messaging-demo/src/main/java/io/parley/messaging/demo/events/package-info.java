/** What the demo tells its user: events for people or as JSON Lines, history and peer rows, and peer state changes. */
package io.parley.messaging.demo.events;
