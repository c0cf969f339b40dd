/** The {@code bench} command: a two-node exchange measured against baselines run beside it. */
package io.parley.messaging.demo.bench;
