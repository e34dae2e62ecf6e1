/**
 * The submission queue as the API and the worker see it. Two drivers: SQS in AWS (sqs-queue.ts) and a
 * PostgreSQL table for the embedded setup and the tests (pg-queue.ts). Both give SQS's semantics: a
 * received message is invisible for the visibility timeout, comes back if not deleted in time, and moves
 * to a dead-letter queue once it has been received more than the queue's maximum.
 */
export interface ReceivedMessage {
  readonly body: string;
  /** Opaque handle for delete and changeVisibility; a newer receive of the same message invalidates it. */
  readonly receipt: string;
  /** 1 on the first delivery. */
  readonly receiveCount: number;
  /** When the message was first sent, ms since the epoch. */
  readonly sentAt: number;
}

export interface ReceiveOptions {
  /** Most messages to return. */
  readonly max: number;
  /** Long polling: how long to wait for a first message when none is visible. */
  readonly waitSeconds: number;
  /** Visibility timeout of these messages. @default the queue's */
  readonly visibilitySeconds?: number;
  /** Ends the wait early (shutdown): resolves with what was received, usually nothing. */
  readonly signal?: AbortSignal;
}

/** Per message sent, in order: stored, or the error that kept it out. */
export type SendResult = { readonly ok: true } | { readonly ok: false; readonly error: Error };

export interface WorkQueue {
  /** The queue's name (the QueueName dimension of the worker's metrics). */
  readonly name: string;
  /** Most messages one send or receive call takes (SQS: 10). */
  readonly maxBatch: number;
  send(bodies: readonly string[]): Promise<SendResult[]>;
  receive(options: ReceiveOptions): Promise<ReceivedMessage[]>;
  /** Deletes handled messages; returns the receipts that were not deleted (stale, or the call failed). */
  delete(receipts: readonly string[]): Promise<string[]>;
  /** Extends (or, with 0, ends) the invisibility of received messages. */
  changeVisibility(receipts: readonly string[], seconds: number): Promise<void>;
  close(): Promise<void>;
}

/** Splits a list into chunks of at most `size` (SQS batch calls take 10 entries). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
