/**
 * Tries to subscribe to the proc connector and prints the outcome as JSON: the proc events
 * test runs it inside a namespace of its own, where the kernel does not serve the connector.
 *
 * @module
 */

import { ProcEvents } from "../../events/proc.ts";

try {
  using _events = new ProcEvents();
  console.log(JSON.stringify({ ok: true }));
} catch (e) {
  console.log(
    JSON.stringify({ ok: false, name: (e as Error).name, message: (e as Error).message }),
  );
}
