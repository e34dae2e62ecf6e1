-- The local driver of the submission queue (src/queue/pg-queue.ts): the embedded default and the tests
-- use it where AWS uses SQS. Consumers claim rows with SELECT ... FOR UPDATE SKIP LOCKED.
create table queue_messages (
  id bigserial primary key,
  queue text not null,
  body text not null,
  sent_at timestamptz not null default clock_timestamp(),
  -- Invisible until then: not yet delivered, or received and being worked on (visibility timeout).
  visible_at timestamptz not null default clock_timestamp(),
  receive_count integer not null default 0,
  -- Changes on every receive, so a consumer whose visibility ran out cannot delete the redelivered copy.
  receipt uuid
);

create index queue_messages_visible_idx on queue_messages (queue, visible_at, id);

-- Messages received more than the queue's maximum and never deleted (SQS's dead-letter queue).
create table queue_dead_letters (
  id bigint primary key,
  queue text not null,
  body text not null,
  sent_at timestamptz not null,
  receive_count integer not null,
  dead_at timestamptz not null default clock_timestamp()
);

-- Asynchronous submissions that the workers gave up on: GET /v1/attempts/:id answers "failed".
create table attempt_failures (
  id uuid primary key,
  user_id text not null,
  reason text not null,
  failed_at timestamptz not null default clock_timestamp()
);
