/** What the worker logs through (pino's shape). */
export interface ProtectionLog {
  warn(fields: object, message: string): void;
}

export interface TaskProtectionOptions {
  /** $ECS_AGENT_URI; absent outside ECS: protection is a no-op. */
  readonly agentUri?: string;
  readonly log: ProtectionLog;
  /** How long one protection lasts; renewed while batches keep coming. @default 10 */
  readonly expiresInMinutes?: number;
  /** Idle time before protection is removed (batches in a steady stream do not toggle it). @default 5000 */
  readonly idleMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/**
 * ECS task scale-in protection while a batch is in flight, through the ECS agent's endpoint
 * ($ECS_AGENT_URI/task-protection/v1/state; no IAM permission needed). Scale-in on backlog per task
 * then stops only idle tasks, and a task never loses a half-written batch to it. Protection is set when
 * the first batch starts (awaited, so the batch runs protected), renewed before it expires while
 * batches continue, and removed after `idleMs` without a batch. Failures are logged, never thrown: the
 * visibility timeout still brings back the messages of a task stopped mid-batch.
 */
export class TaskProtection {
  private active = 0;
  private protectedUntil = 0;
  private idleTimer?: NodeJS.Timeout;
  private readonly expiresInMinutes: number;
  private readonly idleMs: number;
  private readonly fetch: typeof fetch;
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly options: TaskProtectionOptions) {
    this.expiresInMinutes = options.expiresInMinutes ?? 10;
    this.idleMs = options.idleMs ?? 5000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  get enabled(): boolean {
    return this.options.agentUri !== undefined;
  }

  /** A batch starts: resolves once the task is protected (or protection failed and was logged). */
  async busy(): Promise<void> {
    this.active += 1;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    // Renewed with a minute to spare.
    if (!this.enabled || Date.now() < this.protectedUntil - 60_000) return;
    this.protectedUntil = Date.now() + this.expiresInMinutes * 60_000;
    await this.set(true);
  }

  /** A batch ended. */
  idle(): void {
    this.active = Math.max(0, this.active - 1);
    if (!this.enabled || this.active > 0 || this.protectedUntil === 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.unprotect(), this.idleMs);
    this.idleTimer.unref();
  }

  /** Removes protection now (shutdown: nothing is in flight any more). */
  async release(): Promise<void> {
    clearTimeout(this.idleTimer);
    if (this.enabled && this.protectedUntil !== 0) await this.unprotect();
  }

  private async unprotect(): Promise<void> {
    if (this.active > 0) return;
    this.protectedUntil = 0;
    await this.set(false);
  }

  /** Calls are serialized so an enable and a disable never race at the agent. */
  private set(enabled: boolean): Promise<void> {
    this.pending = this.pending.then(async () => {
      try {
        const response = await this.fetch(`${this.options.agentUri}/task-protection/v1/state`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(
            enabled
              ? { ProtectionEnabled: true, ExpiresInMinutes: this.expiresInMinutes }
              : { ProtectionEnabled: false },
          ),
          signal: AbortSignal.timeout(2000),
        });
        if (!response.ok) throw new Error(`ECS agent answered ${response.status}: ${await response.text()}`);
      } catch (error) {
        if (enabled) this.protectedUntil = 0; // try again with the next batch
        this.options.log.warn(
          { err: { message: (error as Error).message }, protectionEnabled: enabled },
          "ECS task scale-in protection could not be set",
        );
      }
    });
    return this.pending;
  }
}
