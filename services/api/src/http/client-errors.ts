import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { PROBLEM_CONTENT_TYPE, problemType } from "./problem";

/** How long a refused connection is still read (and what arrives dropped) before it is closed. */
const LINGER_MS = 2000;

/** The answer to a request Node's parser refused, by its error code (llhttp's HPE_* and Node's own). */
function classify(code: string | undefined): { status: number; slug: string; detail: string } {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return {
        status: 431,
        slug: "headers-too-large",
        detail:
          "The request line and headers exceed the server's limit (16 KiB); send fewer or shorter headers.",
      };
    case "ERR_HTTP_REQUEST_TIMEOUT":
    case "ERR_HTTP_HEADERS_TIMEOUT":
      return { status: 408, slug: "request-timeout", detail: "The request did not arrive in time." };
    case "HPE_INVALID_METHOD":
      return {
        status: 501,
        slug: "method-not-implemented",
        detail: "This request method is not implemented.",
      };
    case "HPE_INVALID_VERSION":
      return { status: 505, slug: "http-version-not-supported", detail: "Use HTTP/1.1 (or HTTP/1.0)." };
    case "HPE_INVALID_TRANSFER_ENCODING":
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
      return {
        status: 400,
        slug: "bad-request",
        detail: "The request's length is ambiguous: send Content-Length or Transfer-Encoding, not both.",
      };
    default:
      return { status: 400, slug: "bad-request", detail: "The request is not valid HTTP/1.1." };
  }
}

/**
 * Fastify's clientErrorHandler: what is written when Node's HTTP parser refuses a request (oversized
 * headers, an unknown method, Content-Length with Transfer-Encoding, a timeout), before any route runs.
 * The answer is a problem document like every other error, with a request id, and the connection is
 * closed gracefully: the answer is sent and the write side closed, while what the client is still sending
 * (the rest of a 100 KB header, say) is read and dropped for a moment. Closing at once with unread data
 * would make the kernel send a reset, and the client would see ECONNRESET instead of the 431.
 */
export function clientErrorHandler(nextRequestId: () => string) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    const { status, slug, detail } = classify(error.code);
    const body = JSON.stringify({
      type: problemType(slug),
      title: STATUS_CODES[status],
      status,
      detail,
      requestId: nextRequestId(),
    });
    const response =
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" +
      body;
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.on("error", () => socket.destroy());
    socket.on("close", () => clearTimeout(timer));
    // The client closing its side ends the lingering read early.
    socket.on("end", () => socket.destroy());
    socket.on("data", () => undefined);
    socket.resume();
    socket.end(response);
  };
}
