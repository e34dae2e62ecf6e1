import type { ServerResponse } from "node:http";

/** Where the process is on its way out after SIGTERM. */
export type DrainPhase =
  /** Normal service. */
  | "serving"
  /** SIGTERM arrived: /ready is 503, the listener still accepts, every response ends its connection. */
  | "unready"
  /** The listener is closed: only requests already in flight are finished. */
  | "closing";

/**
 * What the app needs to drain keep-alive connections cleanly. Every response written once the drain has
 * begun carries `Connection: close`, so Node ends the socket right after it and the client opens its next
 * connection elsewhere (or is refused once the listener has closed), instead of finding its idle keep-alive
 * socket destroyed under a request it just sent. Responses already in flight at SIGTERM get the header too,
 * as long as their headers are not written yet; that is why the in-flight responses are tracked here.
 */
export class DrainState {
  private current: DrainPhase = "serving";
  private readonly inFlight = new Set<ServerResponse>();
  private sinceSweep = 0;

  get phase(): DrainPhase {
    return this.current;
  }

  get draining(): boolean {
    return this.current !== "serving";
  }

  /** Requests being answered right now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** A request arrived (onRequest): tracked until it is answered; during the drain, marked to close. */
  started(response: ServerResponse): void {
    this.inFlight.add(response);
    if (this.current !== "serving") closeAfter(response);
    // A request whose client went away may never reach onResponse: forget those now and then.
    if (++this.sinceSweep >= 4096) this.sweep();
  }

  /** Its response was sent (onResponse), or the connection went away. */
  finished(response: ServerResponse): void {
    this.inFlight.delete(response);
  }

  /** SIGTERM: readiness fails and every response from now on, in-flight ones included, closes its connection. */
  beginUnready(): void {
    if (this.current !== "serving") return;
    this.current = "unready";
    for (const response of this.inFlight) closeAfter(response);
  }

  /** The listener is about to close. */
  beginClosing(): void {
    this.beginUnready();
    this.current = "closing";
  }

  private sweep(): void {
    this.sinceSweep = 0;
    for (const response of this.inFlight) {
      if (response.destroyed || response.writableFinished) this.inFlight.delete(response);
    }
  }
}

function closeAfter(response: ServerResponse): void {
  // Node reads the header when it writes the head: it then ends the socket once this response is sent.
  if (!response.headersSent) response.setHeader("connection", "close");
}
