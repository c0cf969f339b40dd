/** The library's nodes as the demo runs them: sends and receipts reported, metered, drained at the end. */
package io.parley.messaging.demo.node;
